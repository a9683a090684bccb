/** The per-process read cache in isolation: batching, fallback GETs, invalidation by writes. */
import { startEmulator, type Emulator } from "../../emulator";
import { VezaApi } from "../../provider/client/api";
import { VezaClient, closeAllPools } from "../../provider/client/client";
import { invalidateReadCache, readProfile, readType } from "../../provider/resources/shared/read-cache";

const TOKEN = "read-cache-token";
let emu: Emulator;
let api: VezaApi;
let ids: string[];

beforeEach(async () => {
  emu = await startEmulator({ token: TOKEN });
  api = new VezaApi(new VezaClient({ url: emu.url, token: TOKEN }));
  const t = emu.store.createType({ name: "T" });
  ids = Array.from({ length: 150 }, (_, i) => emu.store.createProfile({ name: `P${i}`, profile_type: t.id }).profile.id);
  invalidateReadCache();
  emu.resetStats();
});
afterEach(async () => {
  invalidateReadCache();
  await emu.close();
});
afterAll(() => closeAllPools());

const routes = () => emu.requests().map((x) => `${x.route}${x.query.version ? "?version" : ""}`);

test("concurrent reads share one paged list; an id listed is not fetched again", async () => {
  const got = await Promise.all(ids.map((id) => readProfile(api, id)));
  expect(got.map((p) => p?.name)).toEqual(ids.map((_, i) => `P${i}`));
  expect(routes()).toEqual(["GET access_profiles", "GET access_profiles"]);
  expect(emu.requests()[1].query.page_token).toBeTruthy();
  // served again within the TTL without a request
  expect((await readProfile(api, ids[3]))?.name).toBe("P3");
  expect(routes()).toHaveLength(2);
});

test("fewer than 4 reads use GETs", async () => {
  await Promise.all(ids.slice(0, 3).map((id) => readProfile(api, id)));
  expect(routes()).toEqual(["GET access_profiles/{id}", "GET access_profiles/{id}", "GET access_profiles/{id}"]);
});

test("an id not in the list falls back to a GET: found when created since, undefined when gone", async () => {
  await Promise.all(ids.map((id) => readProfile(api, id))); // the whole list is read
  const late = emu.store.createProfile({ name: "Late", profile_type: emu.store.findTypeByName("T")!.id }).profile.id;
  emu.resetStats();
  expect((await readProfile(api, late))?.name).toBe("Late");
  expect(await readProfile(api, "00000000-0000-0000-0000-000000000000")).toBeUndefined();
  expect(routes()).toEqual(["GET access_profiles/{id}", "GET access_profiles/{id}"]);
});

test("a read of an id not listed yet resumes the paused list (lazily, page by page)", async () => {
  await Promise.all(ids.slice(0, 10).map((id) => readProfile(api, id)));
  expect(routes()).toEqual(["GET access_profiles"]); // first page only: every waiting read was on it
  expect((await readProfile(api, ids[140]))?.name).toBe("P140");
  expect(routes()).toEqual(["GET access_profiles", "GET access_profiles"]);
});

test("a write by this process drops the cached list: the next read sees the server's value", async () => {
  await Promise.all(ids.slice(0, 10).map((id) => readProfile(api, id)));
  await api.updateProfile(ids[0], { labels: ["new"] }, ["labels"]);
  emu.resetStats();
  const again = await Promise.all(ids.slice(0, 10).map((id) => readProfile(api, id)));
  expect(again[0]?.labels).toEqual(["new"]);
  expect(routes().filter((x) => x === "GET access_profiles").length).toBeGreaterThanOrEqual(1);
});

test("a write while a list is in flight: the page is discarded and the reads GET", async () => {
  emu.setKnobs({ latencyMs: 100 } as any);
  const reads = Promise.all(ids.slice(0, 10).map((id) => readProfile(api, id)));
  await new Promise((r) => setTimeout(r, 30)); // the first page is on its way
  emu.setKnobs({ latencyMs: 0 } as any);
  await api.updateProfile(ids[0], { labels: ["during"] }, ["labels"]);
  const got = await reads;
  expect(got[0]?.labels).toEqual(["during"]);
  expect(routes().filter((x) => x === "GET access_profiles/{id}")).toHaveLength(10);
});

test("the TTL can turn batching off (VEZA_READ_CACHE_TTL_MS=0)", async () => {
  process.env.VEZA_READ_CACHE_TTL_MS = "0";
  try {
    await Promise.all(ids.slice(0, 10).map((id) => readProfile(api, id)));
    expect(routes().every((x) => x === "GET access_profiles/{id}")).toBe(true);
  } finally {
    delete process.env.VEZA_READ_CACHE_TTL_MS;
  }
});

test("type reads are batched the same way", async () => {
  const typeIds = Array.from({ length: 6 }, (_, i) => emu.store.createType({ name: `Type ${i}` }).id);
  emu.resetStats();
  const got = await Promise.all(typeIds.map((id) => readType(api, id)));
  expect(got.map((t) => t?.name)).toEqual(typeIds.map((_, i) => `Type ${i}`));
  expect(routes()).toEqual(["GET access_profiles_types"]);
});
