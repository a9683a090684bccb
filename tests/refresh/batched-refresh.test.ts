/** Refresh reads from the documented lists: one shared walk per list, never a GET by id. */
import * as veza from "../../provider";
import { rig, type Rig, IN_PROCESS } from "../resources/helpers";
import { LIST_PAGE_SIZE } from "../../provider/client/endpoints";

let r: Rig;
beforeAll(async () => {
  r = await rig({}, IN_PROCESS);
});
afterAll(async () => {
  await r.close();
});

/** More than one page of the profile list (LIST_PAGE_SIZE a page), fewer than would make the test slow. */
const PROFILES = 110;
const PAGES = Math.ceil(PROFILES / LIST_PAGE_SIZE);
const TYPES = 5;
const WITH_CONTENT = 30;

function program() {
  const types = Array.from(
    { length: TYPES },
    (_, i) => new veza.AccessProfileType(`type-${i}`, { name: `Type ${i}`, allowCreateRelationships: true }),
  );
  for (let i = 0; i < PROFILES; i++) {
    const p = new veza.AccessProfile(`p-${i}`, { name: `Profile ${i}`, profileType: types[i % TYPES].id, labels: i % 2 ? ["odd"] : [] });
    if (i < WITH_CONTENT) {
      new veza.AccessProfileVersion(`p-${i}-v`, {
        accessProfileId: p.id,
        entities: [{ entityType: "OktaGroup", datasourceId: "okta-1", entityId: `g${i}` }],
      });
      new veza.ProfileMembership(`p-${i}-m`, { accessProfileId: p.id, identityIds: [`u${i}`] });
    }
  }
}

const TOTAL = TYPES + PROFILES + 2 * WITH_CONTENT;

function counts() {
  const reqs = r.emu.requests();
  const n = (pred: (x: (typeof reqs)[number]) => boolean) => reqs.filter(pred).length;
  return {
    profileLists: n((x) => x.route === "GET access_profiles"),
    profileGets: n((x) => x.route === "GET access_profiles/{id}" && !x.query.version),
    versionGets: n((x) => x.route === "GET access_profiles/{id}" && !!x.query.version),
    typeLists: n((x) => x.route === "GET access_profiles_types"),
    typeGets: n((x) => x.route === "GET access_profiles_types/{id}"),
    memberLists: n((x) => x.route === "GET access_profiles/{id}/versions/{version}/members"),
    total: reqs.length,
  };
}

test(`refresh of ${PROFILES} profiles reads the list's ${PAGES} pages instead of ${PROFILES} GETs`, async () => {
  const e = r.engine({ parallel: 16 });
  const up = await e.up(program);
  expect(up.errors).toEqual([]);
  expect(up.creates).toBe(TOTAL);

  // the first refresh after creation picks up read-only outputs that moved since (a type's
  // profilesCount and integrations, a profile's updatedAt after its version was written)
  const settle = await e.refresh();
  expect(settle.errors).toEqual([]);

  r.emu.resetStats();
  const s = await e.refresh();
  expect(s.errors).toEqual([]);
  expect(s.sames).toBe(TOTAL);
  const c = counts();
  // figures for the report / bench
  console.log(
    `refresh of ${TOTAL} resources (${PROFILES} profiles, ${TYPES} types, ${WITH_CONTENT} versions, ${WITH_CONTENT} memberships): ${JSON.stringify(c)}`,
  );
  // one walk of the documented list (its pages, and at most one more when has_more ends on an empty page), never a GET by id
  expect(c.profileLists).toBeGreaterThanOrEqual(PAGES);
  expect(c.profileLists).toBeLessThanOrEqual(PAGES + 1);
  expect(c.profileGets).toBe(0);
  expect(c.typeGets).toBe(0);
  expect(c.typeLists).toBe(1);
  // current versions come with their profiles from the list: no per-version GET
  expect(c.versionGets).toBe(0);
  // ... and so do their members (the version object's read-only `members`): no member list either
  expect(c.memberLists).toBe(0);
  // no write during refresh
  expect(r.mutations()).toEqual([]);
}, 120_000);

test("an out-of-band change made after one refresh is detected by the next; an out-of-band delete is reported gone", async () => {
  const e = r.engine({ parallel: 16 });
  const p7 = r.emu.store.findProfileByName("Profile 7")!;
  r.emu.store.updateProfile(p7.id, { labels: ["tampered"] }, ["labels"]);
  const p105 = r.emu.store.findProfileByName("Profile 105")!;
  r.emu.store.deleteProfile(p105.id);
  const t4 = r.emu.store.findTypeByName("Type 4")!;
  r.emu.store.updateType(t4.id, { description: "changed by hand" }, ["description"]);

  const countBefore = e.state().resources.find((x) => x.name === "type-0")!.outputs.profilesCount as number;
  r.emu.resetStats();
  const s = await e.refresh();
  expect(s.errors).toEqual([]);
  expect(s.resources["p-7"].op).toBe("refresh-update");
  expect(s.resources["p-105"].op).toBe("refresh-delete");
  // type-4's description is not set by the program, so it is not managed: the state takes Veza's
  // value and, like the CLI, the refresh shows it as same (no diff against the program's inputs)
  expect(s.resources["type-4"].op).toBe("same");
  expect(e.state().resources.find((x) => x.name === "type-4")!.outputs.description).toBe("changed by hand");
  // Profile 105 was of Type 0, whose read-only profilesCount dropped: the state takes the new count,
  // but like the CLI the refresh shows the type as same (its diff against the inputs is empty)
  expect(s.resources["type-0"].op).toBe("same");
  expect(e.state().resources.find((x) => x.name === "type-0")!.outputs.profilesCount).toBe(countBefore - 1);
  expect(s.sames).toBe(TOTAL - 2);
  const c = counts();
  // the deleted profile is gone because a complete walk of the documented list did not have it
  expect(c.profileLists).toBeLessThanOrEqual(4);
  expect(c.profileGets).toBe(0);
  const p7State = e.state().resources.find((x) => x.name === "p-7")!;
  expect(p7State.outputs.labels).toEqual(["tampered"]);
  expect(e.state().resources.find((x) => x.name === "p-105")).toBeUndefined();

  // changed again after that refresh: seen by the next one (each refresh is a new provider process)
  r.emu.store.updateProfile(p7.id, { labels: ["tampered", "twice"] }, ["labels"]);
  const again = await e.refresh();
  expect(again.resources["p-7"].op).toBe("refresh-update");
  expect(again.resources["type-4"].op).toBe("same");
  expect(again.sames).toBe(TOTAL - 2); // p-105 is gone from the stack, p-7 changed
}, 120_000);

test("up after refresh repairs the drift and a refresh after it is clean", async () => {
  const e = r.engine({ parallel: 16 });
  const s = await e.up(program);
  expect(s.errors).toEqual([]);
  expect(s.creates).toBe(1); // p-105
  // p-7 labels; type-4's description is not set by the program, so it is not managed: no update
  expect(s.updates).toBe(1);
  const settle = await e.refresh();
  expect(settle.errors).toEqual([]);
  const clean = await e.refresh();
  expect(clean.errors).toEqual([]);
  expect(clean.sames).toBe(TOTAL);
}, 120_000);

test("a small stack refreshes without GET by id", async () => {
  const small = r.engine({ stateFile: `${r.dir}/small.json` });
  const t = r.emu.store.findTypeByName("Type 0")!;
  await small.up(() => {
    new veza.AccessProfile("a", { name: "Small A", profileType: t.id });
    new veza.AccessProfile("b", { name: "Small B", profileType: t.id });
  });
  r.emu.resetStats();
  const s = await small.refresh();
  expect(s.errors).toEqual([]);
  const c = counts();
  // the documented list, walked only until both were found
  expect(c.profileGets).toBe(0);
  expect(c.profileLists).toBeGreaterThanOrEqual(1);
  expect(c.profileLists).toBeLessThanOrEqual(4);
  await small.destroy();
}, 120_000);
