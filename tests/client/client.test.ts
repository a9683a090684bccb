import { inspect } from "node:util";
import { startEmulator, type Emulator } from "../../emulator";
import { VezaApi } from "../../provider/client/api";
import { closeAllPools, VezaClient, type ClientEvent, type VezaClientOptions } from "../../provider/client/client";
import { Pacers } from "../../provider/client/limiter";
import { FakeClock } from "./fake-clock";
import { resolveSettings } from "../../provider/config";
import { VezaApiError, VezaConfigError } from "../../provider/errors";
import { and, co, eq } from "../../provider/filter";

let emu: Emulator;
const TOKEN = "tok-client-SECRET-7f3a9";

beforeEach(async () => {
  emu = await startEmulator({ token: TOKEN, seed: 7 });
});
afterEach(async () => {
  await closeAllPools();
  await emu.close();
});

function api(opts: VezaClientOptions = {}) {
  return new VezaApi(new VezaClient({ url: emu.url, token: TOKEN, backoffBaseMs: 5, ...opts }));
}

async function seedType(a = api()) {
  return a.createType({ name: "Profile", allow_create_relationships: true });
}

function everywhere(e: unknown): string {
  return `${String(e)}\n${JSON.stringify(e)}\n${inspect(e, { showHidden: true, depth: 10 })}\n${(e as Error)?.stack ?? ""}`;
}

describe("pagination", () => {
  test("250 profiles are listed across pages with an empty page in the middle", async () => {
    const a = api();
    const type = await seedType(a);
    for (let i = 0; i < 250; i++) await a.createProfile({ name: `p-${String(i).padStart(3, "0")}`, profile_type: type.id });
    emu.setKnobs({ emptyPageEvery: 2 });
    emu.resetStats();
    const names: string[] = [];
    for await (const p of a.listProfiles()) names.push(p.name!);
    expect(names).toHaveLength(250);
    expect(new Set(names).size).toBe(250);
    // 3 pages of values (100, 100, 50), each followed by an injected empty page with has_more, except the last
    expect(emu.stats().byRoute["GET access_profiles"]).toBe(5);
  });

  test("a filter built with the builder is sent encoded and honoured", async () => {
    const a = api();
    const type = await seedType(a);
    const tricky = 'we "quote" \\ it & more';
    await a.createProfile({ name: tricky, profile_type: type.id, labels: ["requestable"] });
    await a.createProfile({ name: "other", profile_type: type.id, labels: ["requestable"] });
    emu.resetStats();
    const listed: string[] = [];
    for await (const p of a.listProfiles({ filter: and(eq("name", tricky), co("labels", "requestable")) })) listed.push(p.name!);
    // honoured: only the profile the filter names, though both carry the label
    expect(listed).toEqual([tricky]);
    // sent: the server received the builder's text unchanged (so the query string was encoded)
    const sent = emu
      .requests()
      .filter((r) => r.route === "GET access_profiles")
      .map((r) => r.query.filter);
    expect(sent).toEqual([`(name eq "we \\"quote\\" \\\\ it & more") and (labels co "requestable")`]);
  });
});

describe("retries", () => {
  test("a 30% 429 storm completes with every call succeeding", async () => {
    const events: ClientEvent[] = [];
    const a = api({ onEvent: (e) => events.push(e), maxRetries: 12 });
    const type = await seedType(a);
    emu.setKnobs({ rate429: 0.3, retryAfterFraction: 0.5, retryAfter: "0" });
    const created = await Promise.all(Array.from({ length: 40 }, (_, i) => a.createProfile({ name: `storm-${i}`, profile_type: type.id })));
    expect(created).toHaveLength(40);
    const listed: string[] = [];
    for await (const p of a.listProfiles()) listed.push(p.name!);
    expect(listed.sort()).toEqual(created.map((c) => c.profile.name).sort());
    // every 429 was retried (one retry event each), and the knob's share shows in what the server answered
    const { faults, total } = emu.stats();
    expect(events.filter((e) => e.kind === "retry" && e.status === 429).length).toBe(faults["429"]);
    expect(faults["429"] / total).toBeGreaterThanOrEqual(0.15);
    expect(faults["429"] / total).toBeLessThanOrEqual(0.45);
  });

  test("Retry-After is honoured (seconds): the retry is not sent before 1 s of the pacer's clock has passed", async () => {
    const events: ClientEvent[] = [];
    const clock = new FakeClock();
    const c = new VezaClient({ url: emu.url, token: TOKEN, backoffBaseMs: 5, onEvent: (e) => events.push(e), pacers: new Pacers(clock) });
    emu.setKnobs({ rate429: 1, retryAfterFraction: 1, retryAfter: "1" });
    const pending = new VezaApi(c).availableIntegrations();
    // real I/O: wait (bounded) for the 429 to come back
    for (let i = 0; i < 500 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(events).toEqual([expect.objectContaining({ kind: "retry", status: 429, waitMs: 1000 })]);
    emu.setKnobs({ rate429: 0 });
    await clock.runUntil(999);
    expect(c.pacer.counters.started).toBe(1); // the retry waits for the gate at 1000 ms (and the pace cut at the 429)
    await clock.runUntil(5000);
    expect(await pending).toContain("SALESFORCE");
    expect(c.pacer.counters.started).toBe(2);
    expect(emu.stats().byRoute["GET access_profiles:available_integrations"]).toBe(2);
  });

  test("503 on idempotent calls is retried a bounded number of times", async () => {
    const a = api({ maxRetries: 2 });
    emu.setKnobs({ rate503: 1 });
    const err = await a.availableIntegrations().catch((e) => e);
    expect(err).toBeInstanceOf(VezaApiError);
    expect(err.status).toBe(503);
    expect(emu.stats().byRoute["GET access_profiles:available_integrations"]).toBe(3);
  });

  test("a POST answered 503 is looked up by name before it is tried again", async () => {
    const events: ClientEvent[] = [];
    const a = api({ onEvent: (e) => events.push(e) });
    emu.setKnobs({ rate503: 1 });
    const pending = a.createType({ name: "T" }).catch((e) => e);
    // the tenant recovers once it has answered a 503 (a fixed 30 ms wait lost this race on a loaded machine)
    for (let waitedMs = 0; emu.stats().faults["503"] === 0; waitedMs += 5) {
      if (waitedMs >= 10_000) throw new Error("no request was answered 503 within 10 s");
      await new Promise((res) => setTimeout(res, 5));
    }
    emu.setKnobs({ rate503: 0 });
    const t = await pending;
    expect(t.name).toBe("T");
    expect(emu.store.listTypes().map((x) => x.name)).toEqual(["T"]);
    // every POST that was answered 503 was followed by a look-up before the next POST
    const routes = emu.requests().map((r) => r.route);
    routes.forEach((route, i) => {
      if (route === "POST access_profiles_types" && i < routes.length - 1) expect(routes[i + 1]).toBe("GET access_profiles_types");
    });
    expect(events).toContainEqual(expect.objectContaining({ kind: "retry", status: 503 }));
  });

  test("a POST without a way to look it up is not retried after a 5xx", async () => {
    const c = new VezaClient({ url: emu.url, token: TOKEN, backoffBaseMs: 5 });
    emu.setKnobs({ rate503: 1 });
    await expect(c.call("createType", { body: { name: "T" } })).rejects.toMatchObject({ status: 503 });
    expect(emu.stats().byRoute["POST access_profiles_types"]).toBe(1);
  });

  test("the retry deadline stops the retries: no wait that would end past it is started", async () => {
    const events: ClientEvent[] = [];
    // backoff waits with this jitter: 49, 99, 199 ms...; the deadline (300 ms) leaves room for the first two only
    const a = api({ maxRetries: 100, retryDeadlineMs: 300, backoffBaseMs: 50, random: () => 0.999, onEvent: (e) => events.push(e) });
    emu.setKnobs({ rate503: 1 });
    await expect(a.availableIntegrations()).rejects.toMatchObject({ status: 503 });
    // one event per failed attempt: two waits taken, the third (199 ms) would end past the deadline and is given up
    expect(events.filter((e) => e.kind === "retry").map((e) => e.waitMs)).toEqual([49, 99, 199]);
    expect(emu.stats().byRoute["GET access_profiles:available_integrations"]).toBe(3);
  });

  test("a hanging request is abandoned after the timeout and retried (idempotent)", async () => {
    const a = api({ requestTimeoutMs: 200, maxRetries: 3 });
    emu.setKnobs({ hangRate: 1 });
    const pending = a.availableIntegrations();
    setTimeout(() => emu.setKnobs({ hangRate: 0 }), 300);
    expect(await pending).toContain("OKTA");
    expect(emu.stats().faults.hang).toBeGreaterThanOrEqual(1);
  });
});

describe("ambiguous POST", () => {
  test("a POST committed but unanswered leaves exactly one object", async () => {
    const events: ClientEvent[] = [];
    const a = api({ onEvent: (e) => events.push(e) });
    const type = await seedType(a);
    emu.setKnobs({ ambiguousPostRate: 1 });
    const { profile } = await a.createProfile({ name: "only-once", profile_type: type.id });
    expect(profile.name).toBe("only-once");
    expect(emu.store.listProfiles().filter((p) => p.name === "only-once")).toHaveLength(1);
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(["ambiguous", "recovered"]));
    const t2 = await a.createType({ name: "Second" });
    expect(t2.name).toBe("Second");
    expect(emu.store.listTypes().filter((t) => t.name === "Second")).toHaveLength(1);
  });

  test("under 30% ambiguous POSTs, 30 creates give 30 objects and no duplicates", async () => {
    const a = api();
    const type = await seedType(a);
    emu.setKnobs({ ambiguousPostRate: 0.3 });
    await Promise.all(Array.from({ length: 30 }, (_, i) => a.createProfile({ name: `amb-${i}`, profile_type: type.id })));
    const names = emu.store.listProfiles().map((p) => p.name);
    expect(names).toHaveLength(30);
    expect(new Set(names).size).toBe(30);
    expect(emu.stats().faults.ambiguous).toBeGreaterThan(0);
  });
});

describe("concurrency", () => {
  test("in-flight requests never exceed the cap", async () => {
    const a = api({ maxConcurrency: 3 });
    emu.setKnobs({ latencyMs: 30 });
    await Promise.all(Array.from({ length: 20 }, () => a.availableIntegrations()));
    // 20 calls at once and 30 ms each: the ceiling is reached and never passed
    expect(emu.stats().peakInFlight).toBe(3);
  });
});

describe("normalization", () => {
  test.each(["numbers", "mixed", "names"] as const)("enum encoding %s reads back as names", async (enc) => {
    const a = api();
    const type = await a.createType({ name: "T", on_create_behavior: "RUNNING", max_entitlements: 5 });
    await a.createProfile({ name: "P", profile_type: type.id, state: "PAUSED" });
    emu.setKnobs({ enumEncoding: enc, numbersAsStrings: true, versionShape: "short", emptyAs: "null" });
    const fresh = new VezaApi(a.client); // nothing seen yet: every read is a list page
    const t = await fresh.findType(type.id);
    expect(t).toMatchObject({ on_create_behavior: "RUNNING", max_entitlements: 5 });
    const p = (await fresh.findProfileByName("P"))!;
    expect(p.state).toBe("PAUSED");
    expect(p.current_version_number).toBe(1);
    expect(p.current_version).toMatchObject({ access_profile_id: p.id, version_number: 1 });
    const got = await fresh.getVersion(p.id, 1);
    expect(got).toMatchObject({ access_profile_id: p.id, version_number: 1 });
  });

  test("unknown extra fields are kept", async () => {
    const a = api();
    const type = await seedType(a);
    const t = (await new VezaApi(a.client).findType(type.id)) as Record<string, unknown>;
    expect(t.id).toBe(type.id);
    expect(Object.keys(t)).toEqual(expect.arrayContaining(["id", "name", "created_at"]));
  });
});

describe("errors and secrets", () => {
  test("API errors carry method, path template, status, message and request id, never the token", async () => {
    const a = api();
    await seedType(a);
    const conflict = await a.createType({ name: "Profile" }).catch((e) => e);
    expect(conflict).toBeInstanceOf(VezaApiError);
    expect(conflict).toMatchObject({ method: "POST", path: "access_profiles_types", status: 409 });
    expect(conflict.requestId).toBeTruthy();
    expect(conflict.message).toMatch(/already exists/);
    const bad = new VezaApi(new VezaClient({ url: emu.url, token: `${TOKEN}-wrong` }));
    const unauthorized = await bad.availableIntegrations().catch((e) => e);
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.message).toMatch(/invalid or expired/);
    expect(emu.stats().byRoute["GET access_profiles:available_integrations"]).toBe(1); // no retry storm
    const missing = await a.findProfile("does-not-exist");
    expect(missing).toBeUndefined();
    for (const e of [conflict, unauthorized]) {
      expect(everywhere(e)).not.toContain(TOKEN);
    }
  });

  test("after a 401, later calls with the same token fail at once without sending (no storm)", async () => {
    const bad = new VezaApi(new VezaClient({ url: emu.url, token: `${TOKEN}-revoked` }));
    await expect(bad.availableIntegrations()).rejects.toMatchObject({ status: 401 });
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => bad.listTypes().next()));
    expect(results.map((x) => (x.status === "rejected" ? (x.reason as VezaApiError).status : "fulfilled"))).toEqual(Array(20).fill(401));
    expect(emu.stats().byStatus["401"]).toBe(1);
    expect(everywhere((results[0] as PromiseRejectedResult).reason)).not.toContain(TOKEN);
    // another token is unaffected
    expect(await api().availableIntegrations()).toContain("AWS");
  });

  test("a network failure message does not contain the token", async () => {
    const a = api({ maxRetries: 1 });
    await emu.close();
    const err = await a.availableIntegrations().catch((e) => e);
    expect(err.status).toBe(0);
    expect(everywhere(err)).not.toContain(TOKEN);
    emu = await startEmulator({ token: TOKEN });
  });

  test("a type whose assumed DELETE route answers 404 is confirmed against the list before it is called gone", async () => {
    const http = await import("node:http");
    const server = http.createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      if (req.url?.startsWith("/api/private/lifecycle_management/access_profiles_types?")) {
        res.end(JSON.stringify({ values: [{ id: "t-1", name: "Profile" }], next_page_token: "", has_more: false }));
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ code: 5, message: "route not found" }));
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const a = new VezaApi(new VezaClient({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, token: TOKEN }));
    try {
      expect((await a.findType("t-1"))?.name).toBe("Profile");
      expect(await a.findType("t-2")).toBeUndefined();
      expect(await a.deleteType("t-1")).toBe("unsupported");
      expect(await a.deleteType("t-2")).toBe("gone");
    } finally {
      await closeAllPools();
      await new Promise((r) => server.close(r));
    }
  });

  test("a server that echoes the token in a long plain-text error does not leak any part of it", async () => {
    const http = await import("node:http");
    const server = http.createServer((req, res) => {
      res.writeHead(400, { "content-type": "text/plain" });
      res.end(`${"x".repeat(455)}bad header: ${req.headers.authorization} and more text after it`);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      const err = await new VezaClient({ url: `http://127.0.0.1:${port}`, token: TOKEN }).call("availableIntegrations").catch((e) => e);
      expect(err.status).toBe(400);
      expect(err.serverMessage).toContain("[redacted]");
      for (let cut = 6; cut <= TOKEN.length; cut++) expect(everywhere(err)).not.toContain(TOKEN.slice(0, cut));
    } finally {
      await closeAllPools();
      await new Promise((r) => server.close(r));
    }
  });

  test("missing settings name both the config key and the environment variable", () => {
    expect(() => resolveSettings({}, {}, {})).toThrow(VezaConfigError);
    const message = (() => {
      try {
        resolveSettings({}, {}, {});
      } catch (e) {
        return (e as Error).message;
      }
    })();
    for (const name of ["veza:url", "VEZA_URL", "veza:apiToken", "VEZA_API_TOKEN"]) expect(message).toContain(name);
  });

  test("settings fall back to the environment, VEZA_TOKEN last; a malformed number names its key and variable", () => {
    const env = { VEZA_URL: "https://acme.vezacloud.com/", VEZA_TOKEN: "t2" };
    expect(resolveSettings({}, {}, env)).toMatchObject({ url: "https://acme.vezacloud.com", token: "t2", maxConcurrency: 64 });
    expect(resolveSettings({}, {}, { ...env, VEZA_API_TOKEN: "t1" })).toMatchObject({ token: "t1" });
    expect(() => resolveSettings({}, {}, { ...env, VEZA_MAX_CONCURRENCY: "zero" })).toThrow(/veza:maxConcurrency.*VEZA_MAX_CONCURRENCY/);
  });
});
