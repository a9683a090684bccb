/** Server encodings, unsupported DELETE routes, exclusive memberships, settings from the environment. */
import * as veza from "../../provider";
import { HAS_ASSUMED_ROUTES, rig, tenant, TOKEN, type Rig } from "./helpers";

let r: Rig;
afterEach(async () => {
  await r.close();
});

function stack() {
  const t = new veza.AccessProfileType("t", { name: "Profile", allowCreateRelationships: true, onCreateBehavior: "RUNNING", maxEntitlements: 10, timeBeforeSyncCheckInSeconds: 3600 });
  const roleT = new veza.AccessProfileType("rt", { name: "Role", allowInheritEntities: true, allowInheritedFromTypes: [t.id] });
  const p = new veza.AccessProfile("p", { name: "AWS Admins", profileType: t.id, state: "PAUSED", labels: ["aws"], catalogItemInfo: { name: "AWS", recommended: true } });
  const role = new veza.AccessProfile("role", { name: "Ops", profileType: roleT.id, state: "RUNNING" });
  new veza.AccessProfileVersion("pv", {
    accessProfileId: p.id,
    state: "PUBLISHED",
    entities: [
      { entityType: "AwsIamRole", datasourceId: "aws-1", entityId: "arn:aws:iam::1:role/Admin", condition: { type: 1, conditionString: "department eq 'ops'" } },
      // grantBy and condition.type as names: the server may answer them as numbers (learned, no diff)
      { entityType: "AwsIamRole", datasourceId: "aws-1", entityId: "arn:aws:iam::1:role/Read", grantBy: "GROUP", condition: { type: "ATTRIBUTE", conditionString: "team eq 'sre'" } },
    ],
  });
  new veza.AccessProfileVersion("rv", { accessProfileId: role.id, inheritFrom: [p.id] });
  new veza.ProfileMembership("m", { accessProfileId: p.id, identityIds: ["u1"] });
}

test.each(["numbers", "mixed"] as const)("with the server encoding enums as %s, refresh then up shows no diff", async (enumEncoding) => {
  r = await rig({ knobs: { enumEncoding, numbersAsStrings: true, versionShape: "mixed", emptyAs: "null" } });
  const e = r.engine();
  expect((await e.up(stack)).errors).toEqual([]);
  const refreshed = await e.refresh();
  expect(refreshed.errors).toEqual([]);
  r.emu.resetStats();
  const again = await e.up(stack);
  expect(again).toMatchObject({ creates: 0, updates: 0, replaces: 0, deletes: 0, errors: [] });
  expect(r.mutations()).toEqual([]);
  expect((await e.preview(stack)).updates).toBe(0);
});

test.each([405, 501, 404] as const)("when DELETE is unsupported (%s), destroy retires profiles, drops types, warns, and succeeds", async (status) => {
  r = await rig({ knobs: { deleteSupport: { types: status, profiles: status } } });
  const e = r.engine();
  await e.up(stack);
  const d = await e.destroy();
  expect(d.errors).toEqual([]);
  expect(e.state().resources.filter((x) => x.type.includes("veza"))).toHaveLength(0);
  expect(d.warnings.join("\n")).toMatch(/AccessProfile "AWS Admins" .* was NOT deleted: this Veza tenant has no route to delete access profiles\. It was retired instead/);
  expect(d.warnings.join("\n")).toMatch(/does not support deleting profile types/);
  for (const p of r.emu.store.listProfiles()) {
    expect(p.state).toBe("PAUSED");
    expect(r.emu.store.currentVersion(p)!.entities_to_create_relationships_to).toEqual([]);
    expect(r.emu.store.currentVersion(p)!.inherit_entities_from_access_profiles).toEqual([]);
  }
});

test("a DELETE answered 404 for an object that is gone is done, not a fallback", async () => {
  r = await rig();
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

test("exclusive membership: refresh reports foreign identities as drift and the next up removes them", async () => {
  r = await rig();
  const e = r.engine();
  const program = (exclusive: boolean) => () => {
    const t = new veza.AccessProfileType("t", { name: "Profile", allowCreateRelationships: true });
    const p = new veza.AccessProfile("p", { name: "P", profileType: t.id });
    new veza.ProfileMembership("m", { accessProfileId: p.id, identityIds: ["u1", "u2"], exclusive });
  };
  await e.up(program(false));
  const p = r.emu.store.findProfileByName("P")!;
  r.emu.store.changeMembers(p.id, 1, { type: "ADD", identity_ids: ["intruder"] });
  // non-exclusive: others are left alone
  expect((await e.refresh()).resources["m"].op).toBe("same");
  expect((await e.up(program(false))).updates).toBe(0);
  // exclusive: the intruder is removed
  r.emu.resetStats();
  const s = await e.up(program(true));
  expect(s.updates).toBe(1);
  expect(r.emu.store.listMembers(p.id, 1).map((m) => m.identity_id).sort()).toEqual(["u1", "u2"]);
  r.emu.store.changeMembers(p.id, 1, { type: "ADD", identity_ids: ["late"] });
  expect((await e.refresh()).resources["m"].op).toBe("refresh-update");
  const fixed = await e.up(program(true));
  expect(fixed.updates).toBe(1);
  expect(r.emu.store.listMembers(p.id, 1).map((m) => m.identity_id).sort()).toEqual(["u1", "u2"]);
  // destroy of an exclusive membership removes everyone the server lists
  r.emu.store.changeMembers(p.id, 1, { type: "ADD", identity_ids: ["very-late"] });
  expect((await e.destroy()).errors).toEqual([]);
  if (HAS_ASSUMED_ROUTES) expect(r.emu.store.findProfile(p.id)).toBeUndefined();
  else expect(r.emu.store.listMembers(p.id, 1)).toEqual([]); // the profile is retired, nobody holds it
}, 180_000); // seven operations; slow on a loaded machine

test("settings come from the environment when the stack has no veza config; a missing token names both places", async () => {
  r = await rig();
  const viaEnv = r.engine({ config: { "veza:url": "", "veza:apiToken": "" }, env: { VEZA_URL: r.emu.url, VEZA_API_TOKEN: TOKEN } });
  // empty config values fall through to the environment
  const s = await viaEnv.up(() => {
    new veza.AccessProfileType("t", { name: "FromEnv" });
  });
  expect(s.errors).toEqual([]);
  expect(tenant(r.emu).types).toEqual(["FromEnv"]);
  const none = r.engine({ config: { "veza:url": "", "veza:apiToken": "" } });
  const failed = await none.up(() => {
    new veza.AccessProfileType("t2", { name: "NoToken" });
  });
  expect(failed.errors[0].message).toMatch(/veza:url.*VEZA_URL/);
  expect(failed.errors[0].message).toMatch(/veza:apiToken.*VEZA_API_TOKEN/);
  // and preview of the unchanged stack needs neither
  const preview = await none.preview(() => {
    new veza.AccessProfileType("t", { name: "FromEnv" });
  });
  expect(preview.errors).toEqual([]);
  expect(preview.sames).toBe(1);
});

test("with the guide's simplified write responses (fields left out), a second up is still a no-op", async () => {
  r = await rig({ knobs: { simplifiedWrites: true } });
  const e = r.engine();
  const program = (description: string) => () => {
    const t = new veza.AccessProfileType("t", { name: "Profile", allowCreateRelationships: true, instructions: "Ask #iam", maxEntitlements: 10, onCreateBehavior: "RUNNING", timeBeforeSyncCheckInSeconds: 60 });
    const p = new veza.AccessProfile("p", {
      name: "P",
      profileType: t.id,
      description,
      requireApprovalToStart: true,
      customProperties: { owner: "iam" },
      catalogItemInfo: { name: "P", recommended: true },
      labels: ["x"],
    });
    new veza.AccessProfileVersion("v", { accessProfileId: p.id, versionNumber: p.currentVersionNumber, accessRequestPolicyId: "policy-1", state: "PUBLISHED", entities: [{ entityType: "OktaGroup", datasourceId: "okta", entityId: "g1" }] });
    new veza.ProfileMembership("m", { accessProfileId: p.id, identityIds: ["u1"] });
  };
  expect((await e.up(program("first"))).errors).toEqual([]);
  r.emu.resetStats();
  expect(await e.up(program("first"))).toMatchObject({ creates: 0, updates: 0, replaces: 0, errors: [] });
  expect(r.emu.stats().total).toBe(0);
  const changed = await e.up(program("second"));
  expect(changed.updates).toBe(1);
  expect(r.mutations().map((m) => [m.route, m.query.update_mask])).toEqual([["PATCH access_profiles/{id}", "description"]]);
  r.emu.resetStats();
  expect((await e.up(program("second"))).updates).toBe(0);
  expect(r.emu.stats().total).toBe(0);
  // refresh reads the full objects; still nothing to change
  expect((await e.refresh()).errors).toEqual([]);
  r.emu.resetStats();
  expect((await e.up(program("second"))).updates).toBe(0);
  expect(r.mutations()).toEqual([]);
});

test("leaving exclusive after a refresh that saw foreign members leaves them alone; a non-exclusive removal removes only its own", async () => {
  r = await rig();
  const e = r.engine();
  const program = (exclusive: boolean, identityIds = ["u1"]) => () => {
    const t = new veza.AccessProfileType("t", { name: "Profile", allowCreateRelationships: true });
    const p = new veza.AccessProfile("p", { name: "P", profileType: t.id });
    new veza.ProfileMembership("m", { accessProfileId: p.id, identityIds, exclusive });
  };
  await e.up(program(true));
  const p = r.emu.store.findProfileByName("P")!;
  const members = () => r.emu.store.listMembers(p.id, 1).map((m) => m.identity_id).sort();
  r.emu.store.changeMembers(p.id, 1, { type: "ADD", identity_ids: ["foreign"] });
  await e.refresh(); // exclusive: the foreign member is reported
  r.emu.resetStats();
  const s = await e.up(program(false));
  expect(s.errors).toEqual([]);
  expect(members()).toEqual(["foreign", "u1"]);
  expect(r.mutations()).toEqual([]);
  // removing u1 from a non-exclusive list removes only u1
  await e.up(program(false, []));
  expect(members()).toEqual(["foreign"]);
});

test("an exclusive membership whose REMOVE fails at create is recorded with the others still there, and the next up removes them", async () => {
  r = await rig();
  const e = r.engine();
  const base = () => {
    const t = new veza.AccessProfileType("t", { name: "Profile", allowCreateRelationships: true });
    return new veza.AccessProfile("p", { name: "P", profileType: t.id });
  };
  await e.up(() => {
    base();
  });
  const p = r.emu.store.findProfileByName("P")!;
  r.emu.store.changeMembers(p.id, 1, { type: "ADD", identity_ids: ["foreign"] });
  const withMembership = () => {
    const profile = base();
    new veza.ProfileMembership("m", { accessProfileId: profile.id, identityIds: ["u1"], exclusive: true });
  };
  // the membership's create: a page of the profile list (its current version), the members call
  // (fresh before a write), ADD, then REMOVE: refused
  const reads = 2;
  r.emu.setKnobs({ invalidTokenAfterRequests: r.emu.stats().total + reads + 1 });
  const failed = await e.up(withMembership);
  expect(failed.errors.map((x) => x.name)).toEqual(["m"]);
  const entry = e.state().resources.find((x) => x.name === "m")!;
  expect(entry.id).toBe(`${p.id}/versions/1/members`);
  expect(entry.outputs.identityIds).toEqual(["foreign", "u1"]);
  r.emu.setKnobs({ invalidTokenAfterRequests: 0 });
  const fixed = await e.up(withMembership);
  expect(fixed.errors).toEqual([]);
  expect(r.emu.store.listMembers(p.id, 1).map((m) => m.identity_id)).toEqual(["u1"]);
});
