/**
 * Pulumi's resource options and commands on these resources, as a user writes them (issue 19):
 * ignoreChanges across a refresh, a preview after a refresh naming the drifted inputs, the `import`
 * option, secret inputs carried by outputs of other names, an alias rename, retainOnDelete with a
 * replacing change, the one-time warnings. Runs in every routes mode (jest.config.js).
 */
import * as pulumi from "@pulumi/pulumi";
import * as veza from "../../provider";
import { SECRET_SIG, SIG_KEY } from "../../harness/values";
import { resetOptionWarnings } from "../../provider/resources/shared/options";
import { rig, type Rig, IN_PROCESS } from "../resources/helpers";

let r: Rig;
beforeEach(async () => {
  r = await rig({}, IN_PROCESS);
  resetOptionWarnings();
});
afterEach(async () => {
  await r.close();
});

const ent = (id: string): veza.Entity => ({ entityType: "SalesforceGroup", datasourceId: "sf-1", entityId: id });
const isEncrypted = (v: unknown) =>
  typeof v === "object" && v !== null && (v as any)[SIG_KEY] === SECRET_SIG && typeof (v as any).ciphertext === "string";
const profileByName = (name: string) => r.emu.store.listProfiles().find((p) => p.name === name)!;

/** A type, a profile, its version and an exclusive membership: one of each resource. */
function stack(o: { description?: string; labels?: string[]; ids?: pulumi.Input<string[]>; ignore?: string[] } = {}) {
  return () => {
    const t = new veza.AccessProfileType("t", { name: "Profile", allowCreateRelationships: true });
    const p = new veza.AccessProfile(
      "p",
      { name: "Sales", profileType: t.id, description: o.description ?? "sales people", labels: o.labels ?? ["requestable"] },
      { ignoreChanges: o.ignore ?? [] },
    );
    new veza.AccessProfileVersion("v", { accessProfileId: p.id, entities: [ent("g1")] });
    new veza.ProfileMembership("m", { accessProfileId: p.id, identityIds: o.ids ?? ["alice", "bob"], exclusive: true });
  };
}

describe("ignoreChanges across a refresh", () => {
  test("the admin's value of the ignored input stays, other drift is repaired, a further up is a no-op", async () => {
    const e = r.engine();
    const program = stack({ ignore: ["description"] });
    expect((await e.up(program)).errors).toEqual([]);
    const p = profileByName("Sales");
    r.emu.store.updateProfile(p.id, { description: "edited by an admin", labels: ["admin-label"] }, ["description", "labels"]);

    const refreshed = await e.refresh();
    expect(refreshed.errors).toEqual([]);
    expect(refreshed.resources.p.op).toBe("refresh-update");

    r.emu.resetStats();
    const s = await e.up(program);
    expect(s.errors).toEqual([]);
    expect(s.resources.p.op).toBe("update");
    expect(s.resources.p.diffKeys).toEqual(["labels"]);
    const patches = r.mutations();
    expect(patches.map((m) => m.route)).toEqual(["PATCH access_profiles/{id}"]);
    expect(patches[0].query.update_mask).toBe("labels");
    expect(profileByName("Sales")).toMatchObject({ description: "edited by an admin", labels: ["requestable"] });

    r.emu.resetStats();
    const again = await e.up(program);
    expect(again.updates + again.creates + again.replaces).toBe(0);
    expect(r.mutations()).toEqual([]);
  });
});

describe("a preview after a refresh", () => {
  test("names identityIds of an exclusive membership that would remove an identity added in Veza, and labels, with 0 requests", async () => {
    const e = r.engine();
    const program = stack();
    await e.up(program);
    const p = profileByName("Sales");
    r.emu.store.changeMembers(p.id, p.current_version_number, { type: "ADD", identity_ids: ["mallory"] });
    r.emu.store.updateProfile(p.id, { labels: ["hand-made"] }, ["labels"]);

    // before the refresh the inputs in state are the program's: a preview shows nothing
    const before = await e.preview(program);
    expect(before.resources.m.op).toBe("same");

    await e.refresh();
    r.emu.resetStats();
    const preview = await e.preview(program);
    expect(r.emu.requests()).toEqual([]);
    expect(preview.resources.m).toMatchObject({ op: "update", diffKeys: ["identityIds"] });
    expect(preview.resources.p).toMatchObject({ op: "update", diffKeys: ["labels"] });
    expect(preview.resources.v.op).toBe("same");
    expect(preview.resources.t.op).toBe("same");
  });

  test("nothing drifted: the refresh changes nothing a preview shows (no new perpetual diff)", async () => {
    const e = r.engine();
    const program = stack({ labels: ["b", "a"] });
    await e.up(program);
    const refreshed = await e.refresh();
    expect(Object.values(refreshed.resources).map((x) => x.op)).toEqual(["same", "same", "same", "same"]);
    r.emu.resetStats();
    const preview = await e.preview(program);
    expect(preview.updates + preview.creates + preview.replaces).toBe(0);
    const up = await e.up(program);
    expect(up.updates + up.creates + up.replaces).toBe(0);
    expect(r.mutations()).toEqual([]);
  });
});

describe("the import option", () => {
  function seed() {
    const s = r.emu.store;
    const type = s.createType({ name: "Profile", allow_create_relationships: true }).id;
    const profile = s.createProfile({
      name: "Hand Made",
      profile_type: type,
      labels: ["x"],
      entities_to_create_relationships_to: [{ entity_type: "SalesforceGroup", datasource_id: "sf-1", entity_id: "g1" }],
    }).profile.id;
    s.changeMembers(profile, 1, { type: "ADD", identity_ids: ["u1"] });
    return { type, profile };
  }

  function program(ids: { type: string; profile: string }, withImport: boolean, labels = ["x"]) {
    const imp = (id: string) => (withImport ? { import: id } : {});
    return () => {
      const t = new veza.AccessProfileType("t", { name: "Profile", allowCreateRelationships: true }, imp(ids.type));
      // no name: a name filled from the logical name does not rename what is imported
      const p = new veza.AccessProfile("hand-made", { profileType: t.id, labels }, imp(ids.profile));
      new veza.AccessProfileVersion("v", { accessProfileId: p.id, entities: [ent("g1")] }, imp(`${ids.profile}/versions/1`));
      new veza.ProfileMembership("m", { accessProfileId: p.id, identityIds: ["u1"] }, imp(`${ids.profile}/versions/1/members`));
    };
  }

  test("type, profile, version and membership by id: no POST, state ids are Veza's ids, removing the option changes nothing", async () => {
    const ids = seed();
    r.emu.resetStats();
    const e = r.engine();
    const s = await e.up(program(ids, true));
    expect(s.errors).toEqual([]);
    expect(r.mutations().filter((m) => m.method === "POST")).toEqual([]);
    // the tenant already matches: nothing written
    expect(r.mutations()).toEqual([]);
    const byName = Object.fromEntries(e.state().resources.map((x) => [x.name, x.id]));
    expect(byName).toMatchObject({
      t: ids.type,
      "hand-made": ids.profile,
      v: `${ids.profile}/versions/1`,
      m: `${ids.profile}/versions/1/members`,
    });
    expect(r.emu.store.getProfile(ids.profile).name).toBe("Hand Made");

    r.emu.resetStats();
    const again = await e.up(program(ids, false));
    expect(again.errors).toEqual([]);
    expect(again.updates + again.creates + again.replaces + again.deletes).toBe(0);
    expect(r.mutations()).toEqual([]);
  });

  test("the program's inputs are applied with one write per resource that differs", async () => {
    const ids = seed();
    r.emu.resetStats();
    const s = await r.engine().up(program(ids, true, ["x", "requestable"]));
    expect(s.errors).toEqual([]);
    expect(r.mutations().map((m) => m.route)).toEqual(["PATCH access_profiles/{id}"]);
    const p = r.emu.store.getProfile(ids.profile);
    expect(p.name).toBe("Hand Made");
    expect([...p.labels].sort()).toEqual(["requestable", "x"]);
  });

  test("an id that cannot work fails before any request, naming adoptExisting and .get", async () => {
    seed();
    r.emu.resetStats();
    const s = await r.engine().up(() => {
      new veza.AccessProfileVersion("v", { accessProfileId: "p1", entities: [] }, { import: "p1" });
    });
    expect(s.errors.map((x) => x.message).join("\n")).toMatch(
      /AccessProfileVersion "v": the import option got "p1".*<profileId>\/versions\/<n>.*adoptExisting: true.*AccessProfileVersion\.get\("v", id\)/s,
    );
    expect(r.emu.requests()).toEqual([]);
  });
});

describe("secret inputs", () => {
  test("a secret identityIds makes every output that carries them secret, also after a refresh", async () => {
    const e = r.engine();
    await e.up(stack({ ids: pulumi.secret(["alice", "bob"]) }));
    const check = () => {
      const m = e.state().resources.find((x) => x.name === "m")!;
      expect(isEncrypted(m.inputs.identityIds)).toBe(true);
      expect(isEncrypted(m.outputs.identityIds)).toBe(true);
      expect(isEncrypted(m.outputs.managedIdentityIds)).toBe(true);
      // the inputs kept for refresh carry them too
      expect(isEncrypted(m.outputs.__inputs)).toBe(true);
    };
    check();
    await e.refresh();
    check();
    // the version's members output belongs to another resource; only the membership's own outputs are checked here
    expect(e.stateText()).not.toMatch(/"managedIdentityIds": \[/);
  });

  test("an error about secret identities names how many, never which", async () => {
    const e = r.engine();
    await e.up(stack({ ids: pulumi.secret(["secret-alice", "secret-bob"]) }));
    // the members call fails while the profile is still listed: the destroy must fail, and say why
    r.emu.setKnobs({ missingRoutes: ["PUT access_profiles/{id}/versions/{version}/members"] });
    const s = await e.destroy();
    const text = [...s.errors.map((x) => x.message), ...s.warnings, s.stderr].join("\n");
    expect(s.resources.m?.op).toBe("failed");
    expect(text).toMatch(/could not remove 2 identities/);
    expect(text).not.toMatch(/secret-alice|secret-bob/);
  });

  test("a plain identityIds stays plain", async () => {
    const e = r.engine();
    await e.up(stack());
    const m = e.state().resources.find((x) => x.name === "m")!;
    expect(m.outputs.managedIdentityIds).toEqual(["alice", "bob"]);
  });
});

describe("aliases, retainOnDelete, options a dynamic provider cannot honour", () => {
  test("a rename through aliases keeps the object's name when the name came from the logical name", async () => {
    const e = r.engine();
    const program =
      (logical: string, aliases: pulumi.Input<pulumi.Alias | string>[] = []) =>
      () => {
        const t = new veza.AccessProfileType("t", { name: "Profile" });
        new veza.AccessProfile(logical, { profileType: t.id }, { aliases });
      };
    await e.up(program("sales"));
    r.emu.resetStats();
    const s = await e.up(program("sales-team", [{ name: "sales" }]));
    expect(s.errors).toEqual([]);
    expect(s.updates + s.creates + s.replaces + s.deletes).toBe(0);
    expect(r.mutations()).toEqual([]);
    expect(r.emu.store.listProfiles().map((p) => p.name)).toEqual(["sales"]);
    expect(e.state().resources.map((x) => x.name)).toEqual(expect.arrayContaining(["sales-team"]));
    expect(e.state().resources.map((x) => x.name)).not.toContain("sales");
  });

  test("retainOnDelete with a change that replaces the profile: the 409 says the old one keeps the name", async () => {
    const e = r.engine();
    const program = (typeName: string) => () => {
      const t1 = new veza.AccessProfileType("t1", { name: "One" });
      const t2 = new veza.AccessProfileType("t2", { name: "Two" });
      new veza.AccessProfile("p", { name: "Sales", profileType: typeName === "One" ? t1.id : t2.id }, { retainOnDelete: true });
    };
    await e.up(program("One"));
    const s = await e.up(program("Two"));
    expect(s.resources.p.op).toBe("failed");
    expect(s.resources.p.error).toMatch(
      /already exists in Veza.*retainOnDelete: a change that replaces it leaves the old access profile in Veza/,
    );
  });

  test("replaceOnChanges and customTimeouts warn once per run, naming the alternative", async () => {
    const s = await r.engine().preview(() => {
      const t = new veza.AccessProfileType("t", { name: "Profile" }, { replaceOnChanges: ["name"], customTimeouts: { create: "5m" } });
      new veza.AccessProfile("p1", { profileType: t.id }, { replaceOnChanges: ["description"] });
      new veza.AccessProfile("p2", { profileType: t.id }, { customTimeouts: { update: "1m" } });
    });
    const warnings = s.warnings.filter((w) => w.includes("pulumi-veza: the resource option"));
    expect(warnings.filter((w) => w.includes("replaceOnChanges"))).toHaveLength(1);
    expect(warnings.filter((w) => w.includes("customTimeouts"))).toHaveLength(1);
    expect(warnings.join("\n")).toMatch(/replacementTrigger/);
    expect(warnings.join("\n")).toMatch(/veza:requestTimeoutMs/);
  });
});
