/** adoptExisting: taking over a tenant that already holds the objects, through the real gRPC provider. */
import * as veza from "../../provider";
import { HAS_ASSUMED_ROUTES, rig, type Rig, IN_PROCESS } from "../resources/helpers";

let r: Rig;
beforeEach(async () => {
  r = await rig({}, IN_PROCESS);
});
afterEach(async () => {
  await r.close();
});

const ent = (id: string): veza.Entity => ({ entityType: "SalesforceGroup", datasourceId: "sf-1", entityId: id });

/** The tenant as someone built it by hand: two types, two profiles, inheritance, entities, a member. */
function seed(): { profileT: string; roleT: string; base: string; role: string } {
  const s = r.emu.store;
  const profileT = s.createType({ name: "Profile", description: "hand made", allow_create_relationships: true }).id;
  const roleT = s.createType({ name: "Business Role", allow_inherit_entities: true, allow_inherited_from_types: [profileT] }).id;
  const base = s.createProfile({
    name: "Salesforce Base",
    profile_type: profileT,
    labels: ["salesforce"],
    entities_to_create_relationships_to: [{ entity_type: "SalesforceGroup", datasource_id: "sf-1", entity_id: "g1" }],
  }).profile.id;
  const role = s.createProfile({ name: "Sales Role", profile_type: roleT, inherit_entities_from_access_profiles: [base] }).profile.id;
  s.changeMembers(base, 1, { type: "ADD", identity_ids: ["u1"] });
  return { profileT, roleT, base, role };
}

interface Opts {
  adopt?: boolean;
  typeDescription?: string;
  labels?: string[];
}

function program(o: Opts = {}) {
  const adoptExisting = o.adopt ?? true;
  return () => {
    const profileT = new veza.AccessProfileType("profile-type", {
      name: "Profile",
      description: o.typeDescription ?? "hand made",
      allowCreateRelationships: true,
      adoptExisting,
    });
    const roleT = new veza.AccessProfileType("role-type", {
      name: "Business Role",
      allowInheritEntities: true,
      allowInheritedFromTypes: [profileT.id],
      adoptExisting,
    });
    const base = new veza.AccessProfile("base", {
      name: "Salesforce Base",
      profileType: profileT.id,
      labels: o.labels ?? ["salesforce"],
      adoptExisting,
    });
    const role = new veza.AccessProfile("role", { name: "Sales Role", profileType: roleT.id, adoptExisting });
    new veza.AccessProfileVersion("base-v", { accessProfileId: base.id, entities: [ent("g1")] });
    new veza.AccessProfileVersion("role-v", { accessProfileId: role.id, inheritFrom: [base.id] });
    new veza.ProfileMembership("base-m", { accessProfileId: base.id, identityIds: ["u1"] });
  };
}

const routes = () => r.mutations().map((m) => m.route);

test("adopting an identical tenant creates nothing: 0 POSTs, no PATCH of types or profiles; the second up makes 0 requests", async () => {
  const ids = seed();
  r.emu.resetStats();
  const e = r.engine();
  const s = await e.up(program());
  expect(s.errors).toEqual([]);
  expect(s.creates).toBe(7);
  // types and profiles: looked up, nothing written; versions and membership write onto the existing version (idempotent)
  expect(routes().filter((x) => x.startsWith("POST"))).toEqual([]);
  expect(routes().filter((x) => x === "PATCH access_profiles_types/{id}" || x === "PATCH access_profiles/{id}")).toEqual([]);
  expect(routes().sort()).toEqual([
    "PATCH access_profiles/{id}/versions/{version}",
    "PATCH access_profiles/{id}/versions/{version}",
    "PUT access_profiles/{id}/versions/{version}/members",
  ]);
  const byName = Object.fromEntries(e.state().resources.map((x) => [x.name, x.id]));
  expect(byName["profile-type"]).toBe(ids.profileT);
  expect(byName["role-type"]).toBe(ids.roleT);
  expect(byName.base).toBe(ids.base);
  expect(byName.role).toBe(ids.role);
  expect(byName["base-v"]).toBe(`${ids.base}/versions/1`);
  expect(byName["base-m"]).toBe(`${ids.base}/versions/1/members`);
  // the tenant is unchanged
  expect(r.emu.store.listTypes()).toHaveLength(2);
  expect(r.emu.store.listProfiles()).toHaveLength(2);
  const base = r.emu.store.findProfile(ids.base)!;
  expect(r.emu.store.currentVersion(base)!.entities_to_create_relationships_to.map((x) => x.entity_id)).toEqual(["g1"]);
  expect(r.emu.store.currentVersion(base)!.members.map((m) => m.identity_id)).toEqual(["u1"]);

  r.emu.resetStats();
  const again = await e.up(program());
  expect(again).toMatchObject({ creates: 0, updates: 0, replaces: 0, deletes: 0, sames: 7, errors: [] });
  expect(r.emu.stats().total).toBe(0);
});

test("adopting a tenant that differs PATCHes exactly the differing fields (one PATCH each, exact update_mask)", async () => {
  const ids = seed();
  r.emu.resetStats();
  const e = r.engine();
  // a type can be changed only where the tenant has the (assumed) type update route
  const typeDescription = HAS_ASSUMED_ROUTES ? "Basic profile" : "hand made";
  const s = await e.up(program({ typeDescription, labels: ["requestable", "salesforce"] }));
  expect(s.errors).toEqual([]);
  const m = r.mutations();
  expect(m.filter((x) => x.method === "POST")).toEqual([]);
  const typePatches = m.filter((x) => x.route === "PATCH access_profiles_types/{id}");
  expect(typePatches).toHaveLength(HAS_ASSUMED_ROUTES ? 1 : 0);
  if (HAS_ASSUMED_ROUTES) {
    expect(typePatches[0].query.update_mask).toBe("description");
    expect(typePatches[0].body).toEqual({ description: "Basic profile" });
  }
  const profilePatches = m.filter((x) => x.route === "PATCH access_profiles/{id}");
  expect(profilePatches).toHaveLength(1);
  expect(profilePatches[0].query.update_mask).toBe("labels");
  expect((profilePatches[0].body as any).labels).toEqual(["requestable", "salesforce"]);
  expect(r.emu.store.findType(ids.profileT)!.description).toBe(typeDescription);
  expect(r.emu.store.findProfile(ids.base)!.labels.sort()).toEqual(["requestable", "salesforce"]);
  // the role profile was already right: its labels are untouched (the single profile PATCH was the base's)
  expect(r.emu.store.findProfile(ids.role)!.labels).toEqual([]);

  r.emu.resetStats();
  const again = await e.up(program({ typeDescription, labels: ["requestable", "salesforce"] }));
  expect(again).toMatchObject({ creates: 0, updates: 0, sames: 7, errors: [] });
  expect(r.emu.stats().total).toBe(0);
});

test("without adoptExisting, an existing name fails with a 409 message that names adoptExisting, and nothing is created", async () => {
  seed();
  r.emu.resetStats();
  const e = r.engine();
  const s = await e.up(program({ adopt: false }));
  const typeErr = s.errors.find((x) => x.name === "profile-type");
  expect(typeErr?.message).toMatch(/access profile type "Profile" already exists in Veza/);
  expect(typeErr?.message).toMatch(/adoptExisting: true/);
  expect(r.emu.store.listTypes()).toHaveLength(2);
  expect(r.emu.store.listProfiles()).toHaveLength(2);
  expect(e.state().resources.filter((x) => x.type.includes("veza"))).toEqual([]);
});

test("a profile name taken without adoptExisting fails naming adoptExisting", async () => {
  const s0 = r.emu.store;
  const t = s0.createType({ name: "Profile" });
  s0.createProfile({ name: "Taken", profile_type: t.id });
  const e = r.engine();
  const s = await e.up(() => {
    const profileT = new veza.AccessProfileType("profile-type", { name: "Profile", adoptExisting: true });
    new veza.AccessProfile("taken", { name: "Taken", profileType: profileT.id });
  });
  const err = s.errors.find((x) => x.name === "taken");
  expect(err?.message).toMatch(/access profile "Taken" already exists in Veza.*adoptExisting: true/);
  expect(s0.listProfiles()).toHaveLength(1);
});

test("adoption mixes with creation: missing objects are created, existing ones adopted; destroy removes both", async () => {
  const ids = seed();
  r.emu.resetStats();
  const e = r.engine();
  const s = await e.up(() => {
    program()();
    const t = new veza.AccessProfileType("new-type", { name: "New Type", allowCreateRelationships: true, adoptExisting: true });
    new veza.AccessProfile("new-profile", { name: "Brand New", profileType: t.id, adoptExisting: true });
  });
  expect(s.errors).toEqual([]);
  expect(
    routes()
      .filter((x) => x.startsWith("POST"))
      .sort(),
  ).toEqual(["POST access_profiles", "POST access_profiles_types"]);
  expect(r.emu.store.findProfileByName("Brand New")).toBeDefined();
  expect(r.emu.store.findProfile(ids.base)).toBeDefined();
  const d = await e.destroy();
  expect(d.errors).toEqual([]);
  if (HAS_ASSUMED_ROUTES) {
    expect(r.emu.store.listProfiles()).toEqual([]);
    expect(r.emu.store.listTypes()).toEqual([]);
  } else {
    // no DELETE routes: profiles retired (paused), types left, each with a warning; never reported deleted
    expect(r.emu.store.listProfiles().map((p) => p.state)).toEqual(["PAUSED", "PAUSED", "PAUSED"]);
    expect(d.warnings.filter((w) => /was NOT deleted/.test(w))).toHaveLength(3);
  }
});
