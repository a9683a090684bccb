import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator } from "../../emulator";
import { type Api, apiFor, mkProfile, mkType, start } from "./helpers";

let api: Api;
afterEach(async () => {
  await api.emu.close();
});

test("rate429 = 1: every request 429 code 8, Retry-After on some and not others", async () => {
  api = await start({ rate429: 1, retryAfterFraction: 0.5, retryAfter: "1" });
  const withHeader: boolean[] = [];
  for (let i = 0; i < 20; i++) {
    const r = await api.get("access_profiles_types");
    expect(r.status).toBe(429);
    expect(r.body).toMatchObject({ code: 8, message: "rate limited" });
    withHeader.push(r.headers.get("retry-after") === "1");
  }
  expect(withHeader).toContain(true);
  expect(withHeader).toContain(false);
  expect(api.emu.stats().faults["429"]).toBe(20);
  expect(api.emu.stats().byStatus["429"]).toBe(20);
  api.emu.setKnobs({ retryAfterFraction: 1, retryAfter: "Wed, 21 Oct 2015 07:28:00 GMT" });
  expect((await api.get("access_profiles_types")).headers.get("retry-after")).toBe("Wed, 21 Oct 2015 07:28:00 GMT");
  api.emu.setKnobs({ retryAfterFraction: 0 });
  expect((await api.get("access_profiles_types")).headers.get("retry-after")).toBeNull();
  api.emu.setKnobs({ rate429: 0, rate503: 1 });
  const u = await api.get("access_profiles_types");
  expect(u.status).toBe(503);
  expect(u.body.code).toBe(14);
});

test("the same seed gives the same fault sequence", async () => {
  const run = async (): Promise<number[]> => {
    const a = await start({ rate429: 0.5 }, { seed: 42 });
    const out: number[] = [];
    for (let i = 0; i < 12; i++) out.push((await a.get("access_profiles_types")).status);
    await a.emu.close();
    return out;
  };
  const first = await run();
  expect(await run()).toEqual(first);
  expect(first).toContain(429);
  expect(first).toContain(200);
  api = await start();
});

test("ambiguous POST: the object is created but the client sees a socket error", async () => {
  api = await start();
  api.emu.setKnobs({ ambiguousPostRate: 1 });
  await expect(api.post("access_profiles_types", { name: "Ghost" })).rejects.toThrow();
  api.emu.setKnobs({ ambiguousPostRate: 0 });
  const list = await api.get("access_profiles_types");
  expect(list.body.values.map((t: { name: string }) => t.name)).toEqual(["Ghost"]);
  expect(api.emu.stats().faults.ambiguous).toBe(1);
  // GETs are never ambiguous
  api.emu.setKnobs({ ambiguousPostRate: 1 });
  expect((await api.get("access_profiles_types")).status).toBe(200);
});

test("hangRate: no answer; close() still resolves, destroying the hanging sockets", async () => {
  api = await start({ hangRate: 1 });
  await expect(api.call("GET", "access_profiles_types", undefined, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
  const pending = api.get("access_profiles_types").catch((e: unknown) => e);
  await new Promise((r) => setTimeout(r, 50));
  expect(api.emu.stats().faults.hang).toBe(2);
  // (a close() that waited for the hanging requests would never resolve: the test's timeout catches it)
  await api.emu.close();
  expect(String(await pending)).toMatch(/Error/);
});

test("failAfterRequests: the server dies after N requests", async () => {
  api = await start({ failAfterRequests: 3 });
  for (let i = 0; i < 3; i++) expect((await api.get("access_profiles_types")).status).toBe(200);
  await expect(api.get("access_profiles_types")).rejects.toThrow();
  await expect(api.get("access_profiles_types")).rejects.toThrow();
});

test("invalidTokenAfterRequests: 401 after N requests", async () => {
  api = await start({ invalidTokenAfterRequests: 2 });
  expect((await api.get("access_profiles_types")).status).toBe(200);
  expect((await api.get("access_profiles_types")).status).toBe(200);
  const r = await api.get("access_profiles_types");
  expect(r.status).toBe(401);
  expect(r.body.code).toBe(16);
});

test("stats: byRoute keys, byStatus, peakInFlight with latency and parallel requests", async () => {
  api = await start();
  const typeId = await mkType(api, { name: "T", allow_create_relationships: true });
  const id = await mkProfile(api, { name: "P", profile_type: typeId });
  api.emu.resetStats();
  api.emu.setKnobs({ latencyMs: 150 });
  await Promise.all(Array.from({ length: 10 }, () => api.get(`access_profiles/${id}`)));
  // each answer waited the latency (less a timer's millisecond rounding), and the ten waited together, not in turn
  const waited = api.emu.requests().map((q) => (q.answeredAt ?? 0) - q.receivedAt);
  expect(waited.filter((ms) => ms < 140)).toEqual([]);
  expect(api.emu.stats().peakInFlight).toBe(10);
  api.emu.setKnobs({ latencyMs: 0 });
  await api.patch(`access_profiles/${id}/versions/1`, {});
  await api.put(`access_profiles/${id}/versions/1/members`, { type: "ADD", identity_ids: ["u"] });
  await api.get(`access_profiles/${id}/versions/1/members`);
  await api.get(`access_profiles_types/${typeId}`);
  await api.get("access_profiles:available_integrations");
  await api.get("nowhere");
  await api.call("GET", "access_profiles", undefined, { token: "bad" });
  const s = api.emu.stats();
  expect(s.total).toBe(17);
  expect(s.byRoute).toEqual({
    "GET access_profiles/{id}": 10,
    "PATCH access_profiles/{id}/versions/{version}": 1,
    "PUT access_profiles/{id}/versions/{version}/members": 1,
    "GET access_profiles/{id}/versions/{version}/members": 1,
    "GET access_profiles_types/{id}": 1,
    "GET access_profiles:available_integrations": 1,
    "GET (unmatched)": 1,
    "GET access_profiles": 1,
  });
  expect(s.byStatus).toEqual({ "200": 15, "404": 1, "401": 1 });
  expect(s.peakInFlight).toBeGreaterThanOrEqual(10);
});

test("dataFile: a second emulator on the same file sees the tenant", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "veza-emu-"));
  const file = path.join(dir, "tenant.json");
  try {
    api = await start(undefined, { dataFile: file });
    const typeId = await mkType(api, { name: "Persisted", allow_create_relationships: true });
    const pid = await mkProfile(api, { name: "P", profile_type: typeId });
    expect(fs.existsSync(file)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(["tenant.json"]); // temp files renamed away

    // a second process-like instance running at the same time sees it, and its writes come back
    const other = apiFor(await startEmulator({ dataFile: file }));
    try {
      expect((await other.get(`access_profiles_types/${typeId}`)).body.value.name).toBe("Persisted");
      await other.put(`access_profiles/${pid}/versions/1/members`, { type: "ADD", identity_ids: ["u1"] });
      expect((await api.get(`access_profiles/${pid}?version=1`)).body.version.members).toEqual(["u1"]);
    } finally {
      await other.emu.close();
    }
    await api.emu.close();

    // and after a restart
    api = apiFor(await startEmulator({ dataFile: file }));
    const p = (await api.get(`access_profiles/${pid}`)).body.value;
    expect(p).toMatchObject({ name: "P", profile_type: typeId });
    expect(api.emu.store.profiles.size).toBe(1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
