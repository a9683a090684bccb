/** What is special to AccessProfile: replacement (delete first, inheritors), retiring where the tenant cannot delete, adoption failing half-way. The lifecycle every resource shares: tests/conformance. */
import * as veza from "../../provider";
import { HAS_ASSUMED_ROUTES, rig, tenant, type Rig, IN_PROCESS } from "./helpers";
import { program, stack } from "./fixtures";

let r: Rig;
afterEach(async () => {
  await r?.close();
});

test("changing profileType replaces the profile (old one deleted first) and its version and membership follow", async () => {
  r = await rig({}, IN_PROCESS);
  const e = r.engine();
  await e.up(program());
  const oldId = r.emu.store.findProfileByName("Sales Role")!.id;
  const s = await e.up(program({ roleType: "Team Role" }));
  if (!HAS_ASSUMED_ROUTES) {
    // no DELETE route: the old profile is retired, keeps its name, and the replacement's create says why it fails
    expect(s.errors.find((x) => x.name === "role")?.message).toMatch(
      /already exists in Veza.*This run retired the profile .* of that name instead of deleting it/,
    );
    expect(r.emu.store.findProfile(oldId)?.state).toBe("PAUSED");
    return;
  }
  expect(s.errors).toEqual([]);
  expect(s.resources.role.op).toBe("replace");
  expect(s.resources["role-v"].op).toBe("replace");
  const now = r.emu.store.findProfileByName("Sales Role")!;
  expect(now.id).not.toBe(oldId);
  expect(now.profile_type).toBe(r.emu.store.findTypeByName("Team Role")!.id);
  expect(r.emu.store.findProfile(oldId)).toBeUndefined();
  expect(r.emu.store.currentVersion(now)!.inherit_entities_from_access_profiles).toHaveLength(1);
  const again = await e.up(program({ roleType: "Team Role" }));
  expect(again).toMatchObject({ updates: 0, replaces: 0, creates: 0 });
});

test("replacing a profile that others inherit from fails clearly, naming the inheritor, and orphans nothing", async () => {
  r = await rig({}, IN_PROCESS);
  const e = r.engine();
  await e.up(program());
  const s = await e.up(program({ profileType: "Other" }));
  const err = s.errors.find((x) => x.name === "base");
  expect(err?.message).toMatch(/"Salesforce Base" is inherited by "Sales Role"/);
  expect(r.emu.store.listProfiles().filter((p) => p.name === "Salesforce Base")).toHaveLength(1);
  const inState = e
    .state()
    .resources.filter((x) => x.type.endsWith("AccessProfile"))
    .map((x) => x.id)
    .sort();
  expect(inState).toEqual(
    r.emu.store
      .listProfiles()
      .map((p) => p.id)
      .sort(),
  );
});

test.each([405, 501, 404] as const)(
  "when DELETE is unsupported (%s), destroy retires profiles, drops types, warns, and succeeds",
  async (status) => {
    r = await rig({ knobs: { deleteSupport: { types: status, profiles: status } } }, IN_PROCESS);
    const e = r.engine();
    await e.up(stack);
    const d = await e.destroy();
    expect(d.errors).toEqual([]);
    expect(e.state().resources.filter((x) => x.type.includes("veza"))).toHaveLength(0);
    expect(d.warnings.join("\n")).toMatch(
      /AccessProfile "AWS Admins" .* was NOT deleted: this Veza tenant has no route to delete access profiles\. It was retired instead/,
    );
    expect(d.warnings.join("\n")).toMatch(/does not support deleting profile types/);
    for (const p of r.emu.store.listProfiles()) {
      expect(p.state).toBe("PAUSED");
      expect(r.emu.store.currentVersion(p)!.entities_to_create_relationships_to).toEqual([]);
      expect(r.emu.store.currentVersion(p)!.inherit_entities_from_access_profiles).toEqual([]);
    }
  },
);

test("a DELETE answered 404 for an object that is gone is done, not a fallback", async () => {
  r = await rig({}, IN_PROCESS);
  const e = r.engine();
  await e.up(stack);
  const role = r.emu.store.findProfileByName("Ops")!;
  r.emu.store.deleteProfile(role.id);
  const d = await e.destroy();
  expect(d.errors).toEqual([]);
  // the profile deleted out of band is gone (no longer listed): no warning about it, whatever the routes
  expect(d.warnings.join("\n")).not.toMatch(/"Ops"/);
  if (HAS_ASSUMED_ROUTES) {
    expect(d.warnings).toEqual([]);
    expect(tenant(r.emu)).toEqual({ types: [], profiles: [] });
  } else {
    expect(tenant(r.emu).profiles).toEqual(["AWS Admins"]); // retired, with a warning
  }
});

test("adopting a profile whose PATCH fails records the adopted id (init-failed); the next up updates it", async () => {
  r = await rig({}, IN_PROCESS);
  const type = r.emu.store.createType({ name: "Profile" });
  const existingId = r.emu.store.createProfile({ name: "P", profile_type: type.id, description: "old" }).profile.id;
  const program = () => {
    const t = new veza.AccessProfileType("t", { name: "Profile", adoptExisting: true });
    new veza.AccessProfile("p", { name: "P", profileType: t.id, description: "new", adoptExisting: true });
  };
  const e = r.engine();
  // the two look-ups (a page of each list) are answered, the PATCH that follows gets 401
  r.emu.setKnobs({ invalidTokenAfterRequests: 2 });
  const first = await e.up(program);
  expect(first.errors).toHaveLength(1);
  expect(first.errors[0].message).toMatch(/invalid or expired/);
  const entry = e.state().resources.find((x) => x.name === "p")!;
  expect(entry.id).toBe(existingId);
  expect(entry.initErrors?.length).toBeGreaterThan(0);

  r.emu.setKnobs({ invalidTokenAfterRequests: 0 });
  r.emu.resetStats();
  const second = await e.up(program);
  expect(second.errors).toEqual([]);
  expect(second.resources.p.op).toBe("update");
  expect(r.mutations().map((m) => [m.route, m.query.update_mask])).toEqual([["PATCH access_profiles/{id}", "description"]]);
  expect(r.emu.store.listProfiles()).toHaveLength(1);
  expect(r.emu.store.findProfileByName("P")!.description).toBe("new");
});
