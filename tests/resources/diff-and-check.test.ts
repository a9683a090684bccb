/** Pure behaviour of check and diff (no network: the API is never constructed here). */
import { call } from "../../provider/resources/shared/runtime";
import { UNKNOWN } from "../../provider/resources/shared/unknown";

/** check and diff of a kind, through the runtime dispatcher the provider process uses. */
const kind = (k: string) => ({
  check: (olds: any, news: any) => call({ k }, "check", [olds, news]) as Promise<any>,
  diff: (id: string, olds: any, news: any) => call({ k }, "diff", [id, olds, news]) as Promise<any>,
});
const typeImpl = kind("AccessProfileType");
const profileImpl = kind("AccessProfile");
const versionImpl = kind("AccessProfileVersion");
const membershipImpl = kind("ProfileMembership");

const entity = (id: string, extra: Record<string, unknown> = {}) => ({
  entityType: "SalesforceGroup",
  datasourceId: "sf",
  entityId: id,
  ...extra,
});

describe("diff", () => {
  test("reordering entities is no change", async () => {
    const olds = { accessProfileId: "p", versionNumber: 1, entities: [entity("a"), entity("b")], inheritFrom: ["x", "y"] };
    const news = { accessProfileId: "p", entities: [entity("b"), entity("a")], inheritFrom: ["y", "x"] };
    expect(await versionImpl.diff("p/versions/1", olds, news)).toMatchObject({ changes: false, replaces: [] });
  });

  test("server-side extra entity fields and snake_case do not make a diff", async () => {
    const olds = {
      accessProfileId: "p",
      versionNumber: 1,
      entities: [{ entityType: "SalesforceGroup", datasourceId: "sf", entityId: "a" }],
    };
    const news = {
      accessProfileId: "p",
      entities: [{ entity_type: "SalesforceGroup", datasource_id: "sf", entity_id: "a", assignedToEntityId: "" }],
    };
    expect((await versionImpl.diff("p/versions/1", olds, news)).changes).toBe(false);
  });

  test("reordering labels and identity ids is no change", async () => {
    const p = { name: "P", profileType: "t", labels: ["b", "a"] };
    expect((await profileImpl.diff("id", { ...p, labels: ["a", "b"], state: "RUNNING" }, p)).changes).toBe(false);
    const m = { accessProfileId: "p", versionNumber: 1, identityIds: ["u2", "u1"] };
    expect((await membershipImpl.diff("p/versions/1/members", { ...m, identityIds: ["u1", "u2"] }, m)).changes).toBe(false);
  });

  test("enum numbers equal names; absent = null = default", async () => {
    const olds = {
      name: "T",
      onCreateBehavior: 1,
      allowInheritEntities: false,
      allowInheritedFromTypes: [],
      description: null,
      maxEntitlements: null,
    };
    expect((await typeImpl.diff("t", olds, { name: "T", onCreateBehavior: "RUNNING" })).changes).toBe(false);
    expect((await typeImpl.diff("t", olds, { name: "T" })).changes).toBe(false);
    expect((await typeImpl.diff("t", olds, { name: "T", onCreateBehavior: "PAUSED" })).changes).toBe(true);
  });

  test("numeric strings from the server equal numbers", async () => {
    expect((await typeImpl.diff("t", { name: "T", maxEntitlements: "50" }, { name: "T", maxEntitlements: 50 })).changes).toBe(false);
  });

  test("an input left unset is not managed (no change); an explicit empty value clears", async () => {
    const olds = { name: "P", profileType: "t", state: "RUNNING", labels: ["x"], description: "d" };
    expect((await profileImpl.diff("p", olds, { name: "P", profileType: "t", labels: ["x"] })).changes).toBe(false);
    expect((await profileImpl.diff("p", olds, { name: "P", profileType: "t" })).changes).toBe(false);
    expect((await profileImpl.diff("p", olds, { name: "P", profileType: "t", labels: [] })).changes).toBe(true);
    expect((await profileImpl.diff("p", olds, { name: "P", profileType: "t", description: "" })).changes).toBe(true);
  });

  test("profileType, accessProfileId and versionNumber replace", async () => {
    const d = await profileImpl.diff("p", { name: "P", profileType: "t1" }, { name: "P", profileType: "t2" });
    expect(d).toMatchObject({ changes: true, replaces: ["profileType"], deleteBeforeReplace: true });
    expect((await versionImpl.diff("p/versions/1", { accessProfileId: "p", versionNumber: 1 }, { accessProfileId: "q" })).replaces).toEqual(
      ["accessProfileId"],
    );
    expect(
      (await versionImpl.diff("p/versions/1", { accessProfileId: "p", versionNumber: 1 }, { accessProfileId: "p", versionNumber: 2 }))
        .replaces,
    ).toEqual(["versionNumber"]);
    expect(
      (
        await membershipImpl.diff(
          "x",
          { accessProfileId: "p", versionNumber: 1, identityIds: [] },
          { accessProfileId: "p", identityIds: [] },
        )
      ).changes,
    ).toBe(false);
  });

  test("unknowns at any depth are a change, never a crash", async () => {
    const olds = { accessProfileId: "p", versionNumber: 1, entities: [entity("a")], inheritFrom: ["x"] };
    for (const news of [
      { accessProfileId: "p", inheritFrom: UNKNOWN },
      { accessProfileId: "p", inheritFrom: ["x", UNKNOWN] },
      { accessProfileId: "p", entities: [entity("a"), { ...entity("b"), entityId: UNKNOWN }] },
      { accessProfileId: "p", entities: UNKNOWN },
    ]) {
      expect((await versionImpl.diff("p/versions/1", olds, news)).changes).toBe(true);
    }
    expect((await profileImpl.diff("p", { name: "P", profileType: "t" }, { name: "P", profileType: UNKNOWN })).replaces).toEqual([
      "profileType",
    ]);
    expect(
      (await membershipImpl.diff("m", { accessProfileId: "p", identityIds: ["a"] }, { accessProfileId: "p", identityIds: [UNKNOWN] }))
        .changes,
    ).toBe(true);
  });
});

describe("check", () => {
  test("every bad field is named with what is allowed", async () => {
    const r = await typeImpl.check({}, { name: "T", onCreateBehavior: "SOMETIMES", maxEntitlements: -1, allowInheritEntities: "yes" });
    const text = r.failures!.map((f: any) => f.reason).join("\n");
    expect(r.failures!.map((f: any) => f.property).sort()).toEqual(["allowInheritEntities", "maxEntitlements", "onCreateBehavior"]);
    expect(text).toMatch(/onCreateBehavior must be one of INITIAL, RUNNING, PAUSED, DRY_RUN, PENDING/);
    expect(text).toMatch(/maxEntitlements must be a whole number >= 0/);
    expect(text).toMatch(/allowInheritEntities must be true or false/);
  });

  test("missing profileType and an entity without entityId", async () => {
    const p = await profileImpl.check({}, { name: "P" });
    expect(p.failures).toEqual([{ property: "profileType", reason: 'AccessProfile "P": profileType is required' }]);
    const v = await versionImpl.check({}, { accessProfileId: "p", entities: [{ entityType: "X", datasourceId: "d" }], state: "LIVE" });
    const props = v.failures!.map((f: any) => f.property).sort();
    expect(props).toEqual(["entities.0.entityId", "state"]);
    expect(v.failures!.find((f: any) => f.property === "state")!.reason).toMatch(/DRAFT, PUBLISHED/);
    const m = await membershipImpl.check({}, { accessProfileId: "p", identityIds: "u1" });
    expect(m.failures![0]).toMatchObject({ property: "identityIds" });
  });

  test("unknown values pass at any depth", async () => {
    expect((await profileImpl.check({}, { name: "P", profileType: UNKNOWN, labels: [UNKNOWN, "x"] })).failures).toEqual([]);
    expect(
      (
        await versionImpl.check(
          {},
          {
            accessProfileId: UNKNOWN,
            entities: [UNKNOWN, { entityType: "G", datasourceId: UNKNOWN, entityId: "e", condition: UNKNOWN }],
            inheritFrom: UNKNOWN,
          },
        )
      ).failures,
    ).toEqual([]);
    expect((await membershipImpl.check({}, { accessProfileId: "p", identityIds: UNKNOWN })).failures).toEqual([]);
    expect((await typeImpl.check({}, { name: "T", allowInheritedFromTypes: [UNKNOWN], maxEntitlements: UNKNOWN })).failures).toEqual([]);
  });
});
