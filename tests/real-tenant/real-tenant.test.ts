/**
 * A real tenant may have only the routes the API guide documents. Every test here runs against the
 * emulator in the routes mode of its jest project ("all", and "documented": the rest 404; see
 * jest.config.js) and with short list items (only the fields the guide's list examples show): "gone"
 * and "deleted" are decided only from documented evidence, and nothing the program does not declare
 * is written.
 */
import * as veza from "../../provider";
import { ROUTES_MODE, rig, tenant, TOKEN, type Rig, IN_PROCESS } from "../resources/helpers";

const ent = (id: string): veza.Entity => ({ entityType: "SalesforceGroup", datasourceId: "sf-1", entityId: id });

/** The program users write first: no versionNumber anywhere. */
function program(opts: { members?: string[]; exclusive?: boolean } = {}) {
  return () => {
    const type = new veza.AccessProfileType("type", {
      name: "Profile",
      allowCreateRelationships: true,
      maxEntitlements: 10,
      instructions: "Ask first",
    });
    const p = new veza.AccessProfile("p", { name: "Salesforce Base", profileType: type.id, labels: ["requestable"] });
    new veza.AccessProfileVersion("p-v", { accessProfileId: p.id, entities: [ent("g1"), ent("g2")] });
    new veza.ProfileMembership("p-m", { accessProfileId: p.id, identityIds: opts.members ?? ["alice", "bob"], exclusive: opts.exclusive });
  };
}
const RESOURCES = 4;
// four engine operations a test, each a new provider process: generous for a loaded CI machine
jest.setTimeout(180_000);

describe.each([ROUTES_MODE])("routes %s, short lists", (routes) => {
  let r: Rig;
  beforeEach(async () => {
    r = await rig({ knobs: { routes, shortLists: true } }, IN_PROCESS);
  });
  afterEach(() => r.close());

  const assumedRoutesCalled = () =>
    r.emu.requests().filter((x) => ["GET access_profiles/{id}", "GET access_profiles_types/{id}"].includes(x.route));

  test("bootstrap without versionNumber costs one request per resource, and a second up none", async () => {
    const e = r.engine();
    const up = await e.up(program());
    expect(up.errors).toEqual([]);
    expect(up.creates).toBe(RESOURCES);
    expect(r.emu.stats().total).toBe(RESOURCES);
    r.emu.resetStats();
    expect(await e.up(program())).toMatchObject({ sames: RESOURCES, errors: [] });
    expect(r.emu.stats().total).toBe(0);
  });

  test("refresh in a documented-only tenant keeps every live object", async () => {
    const e = r.engine();
    expect((await e.up(program())).errors).toEqual([]);
    const settle = await e.refresh();
    expect(settle.errors).toEqual([]);
    r.emu.resetStats();
    const s = await e.refresh();
    expect(s.errors).toEqual([]);
    // nothing dropped, nothing changed: fields a short list item leaves out keep their value
    expect(s.sames).toBe(RESOURCES);
    expect(e.state().resources.filter((x) => x.type.startsWith("pulumi-nodejs:dynamic"))).toHaveLength(RESOURCES);
    const next = await e.up(program());
    expect(next).toMatchObject({ creates: 0, updates: 0, sames: RESOURCES, errors: [] });
    expect(r.emu.store.listProfiles()).toHaveLength(1); // no duplicate POST
  });

  test("a small stack refreshes without GET by id", async () => {
    const e = r.engine();
    await e.up(program());
    r.emu.resetStats();
    expect((await e.refresh()).errors).toEqual([]);
    expect(assumedRoutesCalled()).toEqual([]);
    expect([...new Set(r.emu.requests().map((x) => x.route))].sort()).toEqual([
      "GET access_profiles",
      "GET access_profiles/{id}/versions/{version}/members",
      "GET access_profiles_types",
    ]);
  });

  test("refresh reports an out-of-band deleted profile gone, its version and membership with it", async () => {
    const e = r.engine();
    await e.up(program());
    const p = r.emu.store.findProfileByName("Salesforce Base")!;
    r.emu.store.deleteProfile(p.id);
    const s = await e.refresh();
    expect(s.errors).toEqual([]);
    expect(s.resources.p.op).toBe("refresh-delete");
    expect(s.resources["p-v"].op).toBe("refresh-delete");
    expect(s.resources["p-m"].op).toBe("refresh-delete");
    expect(s.resources.type.op).not.toBe("refresh-delete");
  });

  test("destroy never reports a live profile deleted", async () => {
    const e = r.engine();
    await e.up(program());
    const d = await e.destroy();
    expect(d.errors).toEqual([]);
    const left = r.emu.store.findProfileByName("Salesforce Base");
    if (routes === "all") {
      expect(left).toBeUndefined();
      expect(tenant(r.emu)).toEqual({ types: [], profiles: [] });
    } else {
      // the tenant cannot delete it: retired (paused, its version emptied) and the user is told
      expect(left?.state).toBe("PAUSED");
      expect(r.emu.store.currentVersion(left!)!.entities_to_create_relationships_to).toEqual([]);
      expect(d.warnings.join("\n")).toMatch(/AccessProfile "Salesforce Base" .*was NOT deleted/);
      expect(d.warnings.join("\n")).toMatch(/AccessProfileType "Profile".*left in Veza/);
    }
    // the membership's identities were removed either way
    if (left) expect(r.emu.store.listMembers(left.id, 1).map((m) => m.identity_id)).toEqual([]);
    expect(e.stateText()).not.toContain(TOKEN);
  });

  test("a membership whose REMOVE fails is not dropped while its identities keep the profile", async () => {
    const e = r.engine();
    await e.up(program());
    const p = r.emu.store.findProfileByName("Salesforce Base")!;
    // the members call answers 404, as on a tenant whose members path differs from our assumption
    r.emu.setKnobs({ missingRoutes: ["PUT access_profiles/{id}/versions/{version}/members"] });
    const d = await e.destroy();
    expect(d.errors.map((x) => x.name)).toContain("p-m");
    // the count, not the ids: identityIds may be a secret input, and no error prints a secret's values (issue 19)
    expect(d.errors.find((x) => x.name === "p-m")!.message).toMatch(/could not remove 2 identities; they still hold the profile in Veza/);
    expect(
      r.emu.store
        .listMembers(p.id, 1)
        .map((m) => m.identity_id)
        .sort(),
    ).toEqual(["alice", "bob"]);
    expect(e.state().resources.map((x) => x.name)).toContain("p-m");
  });

  /** The profile exists already; its version carries a policy, a datasource and an entity field set in Veza. */
  function seedVersionSetInVeza() {
    const type = r.emu.store.createType({ name: "Profile", allow_create_relationships: true });
    const { profile } = r.emu.store.createProfile({ name: "Salesforce Base", profile_type: type.id });
    r.emu.store.updateVersion(
      profile.id,
      1,
      {
        access_request_policy_id: "policy-7",
        application_datasource_id: "ds-3",
        entities_to_create_relationships_to: [
          { entity_type: "SalesforceGroup", datasource_id: "sf-1", entity_id: "g1", created_by_access_profile: true },
        ],
      },
      ["access_request_policy_id", "application_datasource_id", "entities_to_create_relationships_to"],
    );
    r.emu.resetStats();
    return profile.id;
  }
  const versionNow = (profileId: string) => r.emu.store.currentVersion(r.emu.store.findProfile(profileId)!)!;

  test("version create keeps a policy set in Veza", async () => {
    const e = r.engine();
    const profileId = seedVersionSetInVeza();
    const s = await e.up(() => {
      new veza.AccessProfileVersion("v", { accessProfileId: profileId, entities: [ent("g1"), ent("g2")] });
    });
    expect(s.errors).toEqual([]);
    const v = versionNow(profileId);
    expect(v.access_request_policy_id).toBe("policy-7");
    expect(v.application_datasource_id).toBe("ds-3");
    expect(v.entities_to_create_relationships_to.map((x) => x.entity_id).sort()).toEqual(["g1", "g2"]);
    const patch = r.mutations();
    expect(patch).toHaveLength(1);
    expect(patch[0].query.update_mask).toBe("entities_to_create_relationships_to");
    expect(assumedRoutesCalled()).toEqual([]);
    // the next up sees no change although Veza has fields the program does not set
    r.emu.resetStats();
    expect(
      (await e.up(() => void new veza.AccessProfileVersion("v", { accessProfileId: profileId, entities: [ent("g2"), ent("g1")] }))).sames,
    ).toBe(1);
    expect(r.emu.stats().total).toBe(0);
  });

  test("an entity rewrite keeps the documented entity fields Veza has (full list items)", async () => {
    r.emu.setKnobs({ shortLists: false });
    const e = r.engine();
    const profileId = seedVersionSetInVeza();
    expect(
      (await e.up(() => void new veza.AccessProfileVersion("v", { accessProfileId: profileId, entities: [ent("g1"), ent("g2")] }))).errors,
    ).toEqual([]);
    const g1 = versionNow(profileId).entities_to_create_relationships_to.find((x) => x.entity_id === "g1")!;
    expect(g1.created_by_access_profile).toBe(true);
    // a later update of the entities keeps it too
    expect((await e.up(() => void new veza.AccessProfileVersion("v", { accessProfileId: profileId, entities: [ent("g1")] }))).updates).toBe(
      1,
    );
    expect(versionNow(profileId).entities_to_create_relationships_to).toEqual([
      expect.objectContaining({ entity_id: "g1", created_by_access_profile: true }),
    ]);
  });

  test("a type change without an update route fails at up naming the type, the fields and what to do", async () => {
    const e = r.engine();
    await e.up(program());
    const changed = () => {
      const type = new veza.AccessProfileType("type", {
        name: "Profile",
        allowCreateRelationships: true,
        maxEntitlements: 20,
        instructions: "Ask first",
      });
      new veza.AccessProfile("p", { name: "Salesforce Base", profileType: type.id, labels: ["requestable"] });
    };
    const s = await e.up(() => {
      changed();
    });
    if (routes === "all") {
      expect(s.errors).toEqual([]);
      expect(r.emu.store.findTypeByName("Profile")!.max_entitlements).toBe(20);
    } else {
      const err = s.errors.find((x) => x.name === "type");
      expect(err?.message).toMatch(
        /AccessProfileType "Profile" \(.+\): cannot change maxEntitlements: this Veza tenant has no route to update access profile types/,
      );
      expect(err?.message).toMatch(/Change it in Veza and run `pulumi refresh`/);
      expect(err?.message).not.toMatch(/^HTTP 404/);
    }
  });

  test("a draft version no documented route can read keeps its last state on refresh, with a warning", async () => {
    const e = r.engine();
    const withDraft = () => {
      const type = new veza.AccessProfileType("type", { name: "Profile", allowCreateRelationships: true });
      const p = new veza.AccessProfile("p", { name: "Salesforce Base", profileType: type.id });
      new veza.AccessProfileVersion("draft", { accessProfileId: p.id, versionNumber: 2, entities: [ent("g9")] });
    };
    expect((await e.up(withDraft)).errors).toEqual([]);
    const s = await e.refresh();
    expect(s.errors).toEqual([]);
    expect(s.resources.draft.op).not.toBe("refresh-delete");
    const draft = e.state().resources.find((x) => x.name === "draft")!;
    expect(draft.outputs.entities).toEqual([ent("g9")]);
    if (routes !== "all")
      expect(s.warnings.join("\n")).toMatch(
        /version 2 is not the profile's current version \(1\) and this Veza tenant has no route to read other versions; its last known state is kept/,
      );
    expect((await e.up(withDraft)).sames).toBe(3);
  });
});
