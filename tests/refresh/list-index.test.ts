/**
 * Look-ups from the documented lists in isolation (client/list-index): one shared walk, lazy pages,
 * "gone" only after a complete walk, this process's own writes applied without a new walk, and how
 * long a finished walk is trusted (a fake clock).
 */
import { startEmulator, type Emulator } from "../../emulator";
import { VezaApi } from "../../provider/client/api";
import { ListIndex } from "../../provider/client/list-index";
import { VezaClient, closeAllPools } from "../../provider/client/client";

const TOKEN = "list-index-token";
/** More than one page (the list pages at 100). */
const PROFILES = 150;
let emu: Emulator;
let api: VezaApi;
let ids: string[];

beforeEach(async () => {
  emu = await startEmulator({ token: TOKEN });
  api = new VezaApi(new VezaClient({ url: emu.url, token: TOKEN }));
  const t = emu.store.createType({ name: "T" });
  ids = Array.from({ length: PROFILES }, (_, i) => emu.store.createProfile({ name: `P${i}`, profile_type: t.id }).profile.id);
  emu.resetStats();
});
afterEach(() => emu.close());
afterAll(() => closeAllPools());

const routes = () => emu.requests().map((x) => `${x.route}${x.query.version ? "?version" : ""}`);

test("concurrent look-ups share one paged walk; an id listed is not fetched again", async () => {
  const got = await Promise.all(ids.map((id) => api.findProfile(id)));
  expect(got.map((p) => p?.name)).toEqual(ids.map((_, i) => `P${i}`));
  expect(routes()).toEqual(["GET access_profiles", "GET access_profiles"]);
  expect(emu.requests()[1].query.page_token).toBeTruthy();
  expect((await api.findProfile(ids[3]))?.name).toBe("P3");
  expect(routes()).toHaveLength(2);
});

test("a small number of look-ups never GETs by id", async () => {
  await Promise.all(ids.slice(0, 3).map((id) => api.findProfile(id)));
  expect(routes()).toEqual(["GET access_profiles"]);
});

test("an id is gone only after a complete walk did not list it", async () => {
  expect(await api.findProfile("00000000-0000-0000-0000-000000000000")).toBeUndefined();
  expect(routes()).toEqual(["GET access_profiles", "GET access_profiles"]);
});

test("a look-up of an id not listed yet resumes the paused walk (lazily, page by page)", async () => {
  await Promise.all(ids.slice(0, 10).map((id) => api.findProfile(id)));
  expect(routes()).toEqual(["GET access_profiles"]); // first page only: every waiting look-up was on it
  expect((await api.findProfile(ids[140]))?.name).toBe("P140");
  expect(routes()).toEqual(["GET access_profiles", "GET access_profiles"]);
});

test("this process's own writes are applied to the walk: no new walk, the written value is seen", async () => {
  await Promise.all(ids.slice(0, 10).map((id) => api.findProfile(id)));
  await api.updateProfile(ids[0], { labels: ["new"] }, ["labels"]);
  const created = await api.createProfile({ name: "Mine", profile_type: emu.store.findTypeByName("T")!.id });
  emu.resetStats();
  expect((await api.findProfile(ids[0]))?.labels).toEqual(["new"]);
  expect((await api.findProfileByName("Mine"))?.id).toBe(created.profile.id);
  expect(routes()).toEqual([]);
});

test("a broken list (has_more with a repeated token) fails the look-up instead of calling anything gone", async () => {
  const http = await import("node:http");
  const server = http.createServer((_req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ values: [], next_page_token: "same", has_more: true }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const broken = new VezaApi(new VezaClient({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, token: TOKEN }));
  try {
    await expect(broken.findProfile("x")).rejects.toThrow(/page token repeats/);
  } finally {
    await closeAllPools();
    await new Promise((r) => server.close(r));
  }
});

test("VEZA_READ_CACHE_TTL_MS=0: look-ups do not share a walk", async () => {
  process.env.VEZA_READ_CACHE_TTL_MS = "0";
  try {
    const solo = new VezaApi(new VezaClient({ url: emu.url, token: TOKEN }));
    await solo.findProfile(ids[0]);
    await solo.findProfile(ids[1]);
    expect(routes()).toEqual(["GET access_profiles", "GET access_profiles"]);
  } finally {
    delete process.env.VEZA_READ_CACHE_TTL_MS;
  }
});

test("type look-ups use their list the same way", async () => {
  const typeIds = Array.from({ length: 6 }, (_, i) => emu.store.createType({ name: `Type ${i}` }).id);
  emu.resetStats();
  const got = await Promise.all(typeIds.map((id) => api.findType(id)));
  expect(got.map((t) => t?.name)).toEqual(typeIds.map((_, i) => `Type ${i}`));
  expect(routes()).toEqual(["GET access_profiles_types"]);
});

describe("how long a finished walk is trusted (a fake clock)", () => {
  /** 250 items in pages of 100, the clock the test moves, and the pages read. */
  function fixture(ttlMs = 30_000) {
    const items = Array.from({ length: 250 }, (_, i) => ({ id: `id-${i}`, name: `P${i}` }));
    let now = 1_000_000;
    const fetched: (string | undefined)[] = [];
    const index = new ListIndex({
      what: "profiles",
      fetchPage: async (token: string | undefined) => {
        fetched.push(token);
        const from = token ? Number(token) : 0;
        return { items: items.slice(from, from + 100), next: String(from + 100), hasMore: from + 100 < items.length };
      },
      idOf: (x) => x.id,
      nameOf: (x) => x.name,
      trustMs: () => ttlMs,
      now: () => now,
    });
    return { items, index, fetched, tick: (ms: number) => (now += ms) };
  }

  test("one refresh reads the list once however long it takes: look-ups 10 s apart for 50 minutes, 3 pages", async () => {
    const { items, index, fetched, tick } = fixture();
    // the profile reads, then the version reads of the same profiles (a refresh's order), each 10 s after the last
    for (const x of [...items, ...items]) {
      expect((await index.byId(x.id))?.name).toBe(x.name);
      tick(10_000);
    }
    expect(fetched).toEqual([undefined, "100", "200"]);
  });

  test("a walk no look-up used for the TTL is replaced: the next look-up walks the list again", async () => {
    const { items, index, fetched, tick } = fixture();
    expect(await index.byId(items[249]!.id)).toBeDefined();
    tick(29_999);
    expect(await index.byId(items[0]!.id)).toBeDefined();
    expect(fetched).toHaveLength(3);
    tick(30_000);
    expect(await index.byId(items[0]!.id)).toBeDefined();
    expect(fetched).toEqual([undefined, "100", "200", undefined]);
  });

  test("a finished walk answers an id it did not list as gone, without a request, while trusted", async () => {
    const { index, fetched, tick } = fixture();
    expect(await index.byId("missing")).toBeUndefined();
    tick(20_000);
    expect(await index.byName("also missing")).toBeUndefined();
    expect(fetched).toHaveLength(3);
  });
});
