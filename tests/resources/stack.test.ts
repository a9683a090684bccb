/**
 * A stack of every kind wired together as users write it (types that inherit, a profile inheriting
 * from another, versions, a membership): the whole lifecycle, updates across resources, server
 * encodings, settings. Each resource on its own: tests/conformance; what is special to one
 * resource: tests/resources/<resource>.test.ts.
 */
import * as veza from "../../provider";
import { HAS_ASSUMED_ROUTES, ROUTES_MODE, rig, tenant, TOKEN, type Rig, IN_PROCESS } from "./helpers";
import { program, PROGRAM_RESOURCES, stack, type Shape } from "./fixtures";

/** What does not depend on the tenant's routes (server encodings, settings) runs in the "all" project only. */
const routesIndependent = ROUTES_MODE === "all" ? test : test.skip;

let r: Rig;
afterEach(async () => {
  await r?.close();
});

test("create, no-op second up, zero-request preview, destroy leaves the tenant empty", async () => {
  r = await rig({}, IN_PROCESS);
  const e = r.engine();
  const first = await e.up(program());
  expect(first.errors).toEqual([]);
  expect(first.creates).toBe(PROGRAM_RESOURCES);
  expect(tenant(r.emu)).toEqual({
    types: expect.arrayContaining(["Profile", "Other", "Business Role"]),
    profiles: expect.arrayContaining(["Salesforce Base", "Sales Role"]),
  });
  const roleProfile = r.emu.store.findProfileByName("Sales Role")!;
  expect(r.emu.store.currentVersion(roleProfile)!.inherit_entities_from_access_profiles).toEqual([
    r.emu.store.findProfileByName("Salesforce Base")!.id,
  ]);

  r.emu.resetStats();
  const second = await e.up(program());
  expect(second).toMatchObject({ creates: 0, updates: 0, replaces: 0, deletes: 0, sames: PROGRAM_RESOURCES, errors: [] });
  expect(r.mutations()).toEqual([]);
  expect(r.emu.stats().total).toBe(0);

  const preview = await e.preview(program());
  expect(preview).toMatchObject({ creates: 0, updates: 0, replaces: 0, deletes: 0 });
  expect(preview.grpc.Create ?? 0).toBe(0);
  expect(preview.grpc.Update ?? 0).toBe(0);
  expect(r.emu.stats().total).toBe(0);

  const destroyed = await e.destroy();
  expect(destroyed.errors).toEqual([]);
  expect(destroyed.deletes).toBe(PROGRAM_RESOURCES);
  if (HAS_ASSUMED_ROUTES) expect(tenant(r.emu)).toEqual({ types: [], profiles: [] });
  else {
    // no DELETE routes: the profiles are retired (paused, emptied), never reported deleted; the types stay
    expect(
      r.emu.store
        .listProfiles()
        .map((p) => [p.name, p.state, r.emu.store.currentVersion(p)!.entities_to_create_relationships_to.length])
        .sort(),
    ).toEqual([
      ["Sales Role", "PAUSED", 0],
      ["Salesforce Base", "PAUSED", 0],
    ]);
    expect(destroyed.warnings.filter((w) => /was NOT deleted/.test(w))).toHaveLength(2);
  }
  expect(e.stateText()).not.toContain(TOKEN);
});

// (the single-field update of each resource on its own: tests/conformance)
const SINGLE_FIELD_UPDATES: [string, Shape, string, string[]][] = [
  ["profile labels", { labels: ["requestable"] }, "PATCH access_profiles/{id}", ["labels"]],
  [
    "version inheritance",
    { inheritFrom: "none" },
    "PATCH access_profiles/{id}/versions/{version}",
    ["inherit_entities_from_access_profiles"],
  ],
];

test.each(SINGLE_FIELD_UPDATES)(
  "a single-field update (%s) is one PATCH whose update_mask names only that field",
  async (_what, shape, route, mask) => {
    r = await rig({}, IN_PROCESS);
    const e = r.engine();
    expect((await e.up(program())).errors).toEqual([]);
    r.emu.resetStats();
    const s = await e.up(program(shape));
    expect(s.errors).toEqual([]);
    expect(s.updates).toBe(1);
    const m = r.mutations();
    expect(m).toHaveLength(1);
    expect(m[0].route).toBe(route);
    expect(m[0].query.update_mask.split(",")).toEqual(mask);
    expect((await e.up(program(shape))).updates).toBe(0);
  },
);

test("refresh detects out-of-band changes and deletes; the next up repairs them", async () => {
  r = await rig({}, IN_PROCESS);
  const e = r.engine();
  await e.up(program());
  const base = r.emu.store.findProfileByName("Salesforce Base")!;
  r.emu.store.updateProfile(base.id, { labels: ["tampered"] }, ["labels"]);
  r.emu.store.changeMembers(base.id, 1, { type: "REMOVE", identity_ids: ["u1"] });
  const other = r.emu.store.findTypeByName("Other")!;
  r.emu.store.deleteType(other.id);
  const refreshed = await e.refresh();
  expect(refreshed.errors).toEqual([]);
  expect(refreshed.resources.base.op).toBe("refresh-update");
  expect(refreshed.resources["base-m"].op).toBe("refresh-update");
  expect(refreshed.resources["other-type"].op).toBe("refresh-delete");
  const repaired = await e.up(program());
  expect(repaired.errors).toEqual([]);
  expect(repaired.creates).toBe(1);
  expect(repaired.updates).toBe(2);
  expect(r.emu.store.findProfileByName("Salesforce Base")!.labels.sort()).toEqual(["requestable", "salesforce"]);
  expect((await e.up(program())).sames).toBe(PROGRAM_RESOURCES);
});

routesIndependent.each(["numbers", "mixed"] as const)(
  "with the server encoding enums as %s, refresh then up shows no diff",
  async (enumEncoding) => {
    r = await rig({ knobs: { enumEncoding, numbersAsStrings: true, versionShape: "mixed", emptyAs: "null" } }, IN_PROCESS);
    const e = r.engine();
    expect((await e.up(stack)).errors).toEqual([]);
    const refreshed = await e.refresh();
    expect(refreshed.errors).toEqual([]);
    r.emu.resetStats();
    const again = await e.up(stack);
    expect(again).toMatchObject({ creates: 0, updates: 0, replaces: 0, deletes: 0, errors: [] });
    expect(r.mutations()).toEqual([]);
    expect((await e.preview(stack)).updates).toBe(0);
  },
);

routesIndependent("settings come from the environment when the stack has no veza config; a missing token names both places", async () => {
  r = await rig({}, IN_PROCESS);
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

routesIndependent("with the guide's simplified write responses (fields left out), a second up is still a no-op", async () => {
  r = await rig({ knobs: { simplifiedWrites: true } }, IN_PROCESS);
  const e = r.engine();
  const program = (description: string) => () => {
    const t = new veza.AccessProfileType("t", {
      name: "Profile",
      allowCreateRelationships: true,
      instructions: "Ask #iam",
      maxEntitlements: 10,
      onCreateBehavior: "RUNNING",
      timeBeforeSyncCheckInSeconds: 60,
    });
    const p = new veza.AccessProfile("p", {
      name: "P",
      profileType: t.id,
      description,
      requireApprovalToStart: true,
      customProperties: { owner: "iam" },
      catalogItemInfo: { name: "P", recommended: true },
      labels: ["x"],
    });
    new veza.AccessProfileVersion("v", {
      accessProfileId: p.id,
      versionNumber: p.currentVersionNumber,
      accessRequestPolicyId: "policy-1",
      state: "PUBLISHED",
      entities: [{ entityType: "OktaGroup", datasourceId: "okta", entityId: "g1" }],
    });
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
