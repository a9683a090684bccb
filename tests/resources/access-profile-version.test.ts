/** adoptExisting on versions and memberships: read first, write only what differs. */
import * as veza from "../../provider";
import { rig, type Rig, IN_PROCESS } from "./helpers";

let r: Rig;
beforeEach(async () => {
  r = await rig({}, IN_PROCESS);
});
afterEach(async () => {
  await r.close();
});

test("an adopted version that already matches is not written; one that differs gets only the differing field", async () => {
  const type = r.emu.store.createType({ name: "Profile", allow_create_relationships: true });
  const entity = { entity_type: "OktaGroup", datasource_id: "okta", entity_id: "00g1" };
  const a = r.emu.store.createProfile({ name: "A", profile_type: type.id, entities_to_create_relationships_to: [entity] }).profile;
  const _b = r.emu.store.createProfile({ name: "B", profile_type: type.id, access_request_policy_id: "" }).profile;
  r.emu.store.changeMembers(a.id, 1, { type: "ADD", identity_ids: ["u1", "u2"] });
  const program = () => {
    const t = new veza.AccessProfileType("t", { name: "Profile", allowCreateRelationships: true, adoptExisting: true });
    const pa = new veza.AccessProfile("a", { name: "A", profileType: t.id, adoptExisting: true });
    const pb = new veza.AccessProfile("b", { name: "B", profileType: t.id, adoptExisting: true });
    new veza.AccessProfileVersion("a-v", {
      accessProfileId: pa.id,
      entities: [{ entityType: "OktaGroup", datasourceId: "okta", entityId: "00g1" }],
      adoptExisting: true,
    });
    new veza.AccessProfileVersion("b-v", {
      accessProfileId: pb.id,
      versionNumber: 1,
      accessRequestPolicyId: "policy-7",
      adoptExisting: true,
    });
    new veza.ProfileMembership("a-m", { accessProfileId: pa.id, versionNumber: 1, identityIds: ["u1", "u2", "u3"], adoptExisting: true });
  };
  const e = r.engine();
  const s = await e.up(program);
  expect(s.errors).toEqual([]);
  const writes = r.mutations().map((m) => [m.route, m.query.update_mask ?? (m.body as any)?.type, (m.body as any)?.identity_ids]);
  expect(writes.sort((x, y) => String(x[0]).localeCompare(String(y[0])))).toEqual([
    ["PATCH access_profiles/{id}/versions/{version}", "access_request_policy_id", undefined],
    ["PUT access_profiles/{id}/versions/{version}/members", "ADD", ["u3"]],
  ]);
  r.emu.resetStats();
  expect((await e.up(program)).sames).toBe(6);
  expect(r.emu.stats().total).toBe(0);
});

test("get of a version that is not the current one never echoes its state: Veza's values or an error naming the id", async () => {
  const type = r.emu.store.createType({ name: "Profile", allow_create_relationships: true });
  const p = r.emu.store.createProfile({ name: "P", profile_type: type.id }).profile;
  const id = `${p.id}/versions/99`;
  const state = { entities: [{ entityType: "OktaGroup", datasourceId: "okta", entityId: "made-up" }] };
  const s = await r.engine().up(() => {
    veza.AccessProfileVersion.get("v", id, state);
  });
  const errors = s.errors.map((x) => x.message).join("\n");
  expect(errors).toContain(id);
  // the assumed GET of a version answers 404 here, which (rule 1) reads as "no route", the same as a tenant without it
  expect(errors).toMatch(/version 99 is not the profile's current version \(1\).*cannot be looked up/);
  expect(JSON.stringify(s)).not.toContain("made-up");
});

test("an open enum written back as a name and later read as its number is no drift while the version's updated_at stands; an out-of-band change is", async () => {
  // Veza's guide types grant_by as a string and answers it as a number in its examples: the first
  // answer here (the write's) keeps the name, the refresh's gives the number, so no code is learned from the write
  r.emu.setKnobs({ enumEncoding: "names" });
  const entity = {
    entityType: "AwsIamRole",
    datasourceId: "aws-1",
    entityId: "arn:aws:iam::1:role/Read",
    grantBy: "GROUP",
    condition: { type: "ATTRIBUTE", conditionString: "team eq 'sre'" },
  };
  const program = () => {
    const t = new veza.AccessProfileType("t", { name: "Profile", allowCreateRelationships: true });
    const p = new veza.AccessProfile("p", { name: "P", profileType: t.id });
    new veza.AccessProfileVersion("v", { accessProfileId: p.id, entities: [entity] });
  };
  const e = r.engine();
  expect((await e.up(program)).errors).toEqual([]);
  r.emu.setKnobs({ enumEncoding: "numbers" });
  const refreshed = await e.refresh();
  expect(refreshed.errors).toEqual([]);
  expect(refreshed.resources.v.op).toBe("same"); // the numbers are GROUP's and ATTRIBUTE's: the version is unchanged
  r.emu.resetStats();
  expect(await e.up(program)).toMatchObject({ updates: 0, sames: 3, errors: [] });
  expect(r.mutations()).toEqual([]);

  // changed out of band (updated_at moves): a number the provider has no code for is drift, and up rewrites it
  const p = r.emu.store.findProfileByName("P")!;
  const current = r.emu.store.currentVersion(p)!;
  const changed = current.entities_to_create_relationships_to.map((x) => ({ ...x, grant_by: "ROLE" }));
  r.emu.store.updateVersion(p.id, current.version_number, { entities_to_create_relationships_to: changed }, undefined);
  expect((await e.refresh()).resources.v.op).toBe("refresh-update");
  const repaired = await e.up(program);
  expect(repaired).toMatchObject({ updates: 1, errors: [] });
  expect(r.emu.store.currentVersion(p)!.entities_to_create_relationships_to.map((x) => x.grant_by)).toEqual(["GROUP"]);
});
