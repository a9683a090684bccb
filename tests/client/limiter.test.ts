/**
 * The adaptive limiter against a simulated tenant (a token bucket) on a fake clock: no real time
 * passes and nothing here depends on timing; every figure is a count over simulated seconds.
 */
import { Pacer } from "../../provider/client/limiter";
import { DEFAULT_PACING_TUNING as TUNING } from "../../provider/client/tuning";
import { FakeClock, flush } from "./fake-clock";
import { ideal, simulate } from "./tenant-sim";

describe("adaptive limiter against a token-bucket tenant (fake clock)", () => {
  test("converges under a fixed bucket: 25/s, burst 10 — few 429s, close to the ideal pace", async () => {
    const r = await simulate({ perSec: 25, burst: 10, requests: 400, parallel: 64, latencyMs: 20, horizonMs: 60_000 });
    expect(r.done).toBe(400);
    expect(r.throttled / (r.accepted + r.throttled)).toBeLessThanOrEqual(0.05);
    expect(r.endedAt).toBeLessThanOrEqual(1.15 * ideal(400, 25, 10) + 1000);
    // the pace it settled on is near the tenant's rate
    const rate = r.limiter.rate();
    expect(rate).toBeGreaterThan(25 * 0.8);
    expect(rate).toBeLessThan(25 * 2);
  });

  test.each([50, 100])("converges at %i/s too", async (perSec) => {
    const r = await simulate({ perSec, burst: 10, requests: 1000, parallel: 64, latencyMs: 20, horizonMs: 60_000 });
    expect(r.done).toBe(1000);
    expect(r.throttled / (r.accepted + r.throttled)).toBeLessThanOrEqual(0.05);
    expect(r.endedAt).toBeLessThanOrEqual(1.15 * ideal(1000, perSec, 10) + 1000);
  });

  test("backs off on 429: the pace is cut at the first 429 and stays below the tenant's rate after it", async () => {
    const clock = new FakeClock();
    const l = new Pacer({ maxConcurrency: 8, clock });
    expect(l.rate()).toBe(Infinity);
    // 30 accepted answers within the last second, then a 429
    for (let i = 0; i < 30; i++) {
      const t = await l.acquire();
      clock.t += 10;
      l.release(t, { status: 200 });
    }
    const sentBeforeCut = await l.acquire(); // in flight while the 429 arrives
    const t = await l.acquire();
    l.release(t, { status: 429, retryAfterMs: 1000 });
    expect(l.pace.cuts).toBe(1);
    expect(l.rate()).toBeLessThanOrEqual(30);
    // a 429 of a request sent before the cut belongs to the same event: no second cut
    const rateAfterCut = l.rate();
    l.release(sentBeforeCut, { status: 429, retryAfterMs: 1000 });
    expect(l.pace.cuts).toBe(1);
    expect(l.rate()).toBeCloseTo(rateAfterCut, 5);
    // the next request waits for the pace: not at once
    let started = false;
    void l.acquire().then(() => (started = true));
    await flush();
    expect(started).toBe(false);
    await clock.runUntil(clock.now() + 1000);
    expect(started).toBe(true);
  });

  test("recovers when the limit rises: 20/s, then 100/s from 10 s on — the pace follows within a few seconds", async () => {
    const r = await simulate({
      perSec: 20,
      burst: 10,
      changes: [{ at: 10_000, perSec: 100 }],
      requests: 1500,
      parallel: 64,
      latencyMs: 20,
      horizonMs: 60_000,
    });
    expect(r.done).toBe(1500);
    // before the change: about 20 a second
    expect(r.perSecond[5]).toBeLessThanOrEqual(22);
    // within 5 s of the change it sends at least 70 a second
    const late = r.perSecond.slice(15, 18);
    expect(Math.min(...late)).toBeGreaterThanOrEqual(70);
    expect(r.throttled / (r.accepted + r.throttled)).toBeLessThanOrEqual(0.05);
  });

  test("429s at random (a fault, not a limit) slow it down, but do not stop it", async () => {
    const r = await simulate({ perSec: 1e6, burst: 1e6, random429: 0.3, requests: 300, parallel: 64, latencyMs: 20, horizonMs: 120_000 });
    expect(r.done).toBe(300);
    // unpaced this takes about 1 s; paced down to nothing it would take minutes
    expect(r.endedAt).toBeLessThan(15_000);
  });

  test("never exceeds the cap, whatever the tenant says", async () => {
    for (const perSec of [10, 1000]) {
      const r = await simulate({ perSec, burst: 10, requests: 300, parallel: 64, latencyMs: 50, cap: 4, horizonMs: 120_000 });
      expect(r.done).toBe(300);
      expect(r.maxInFlight).toBeLessThanOrEqual(4);
      expect(r.limiter.counters.peak).toBeLessThanOrEqual(4);
    }
  });

  test("grows to the ceiling against a fast tenant that does not limit: slow start from 8 (×1.5 a round trip), never paced", async () => {
    const r = await simulate({ perSec: 1e6, burst: 1e6, requests: 2000, parallel: 100, latencyMs: 150, cap: 64, horizonMs: 60_000 });
    expect(r.done).toBe(2000);
    expect(r.throttled).toBe(0);
    expect(r.limiter.rate()).toBe(Infinity);
    expect(r.limiter.window.limit).toBe(64);
    expect(r.maxInFlight).toBe(64);
    // slow start: 8, 12, 18, 27, 40, 60, 64; 2000 requests at 64 in flight and 150 ms need 32 round
    // trips, the climb costs about 3 more and spreading each window over its round trip at most one
    expect(r.endedAt).toBeLessThanOrEqual(37 * 150);
  });

  test("grows only while it is used: an engine that hands it 6 operations at a time leaves the window at most twice that", async () => {
    const r = await simulate({ perSec: 1e6, burst: 1e6, requests: 600, parallel: 6, latencyMs: 50, cap: 64, horizonMs: 60_000 });
    expect(r.done).toBe(600);
    expect(r.maxInFlight).toBe(6);
    expect(r.limiter.window.limit).toBeLessThanOrEqual(6 / TUNING.useShare + 1);
  });

  test("backs off on rising latency: a tenant with 8 workers (queueing beyond) keeps the window well below the ceiling", async () => {
    const workers = 8;
    // each request takes 100 ms of a worker: beyond 8 in flight the queue adds latency in proportion
    const r = await simulate({
      perSec: 1e6,
      burst: 1e6,
      requests: 3000,
      parallel: 64,
      latencyMs: 100,
      latencyAt: (n) => 100 * Math.max(1, n / workers),
      cap: 64,
      horizonMs: 120_000,
    });
    expect(r.done).toBe(3000);
    // latency within tolerance (3 × 100 ms + 100 ms) allows up to 32 in flight, the AIMD saw-tooth a little more
    // above it; it must stay well below the ceiling of 64
    expect(r.limiter.window.limit).toBeLessThanOrEqual(1.25 * (TUNING.latencyTolerance + TUNING.latencySlackMs / 100) * workers);
    expect(r.limiter.window.limit).toBeGreaterThanOrEqual(workers / 2);
    // the tenant's throughput is 80/s whatever the queue: 3000 requests need 37.5 s, the backing off must not lose much of it
    expect(r.endedAt).toBeLessThanOrEqual(1.2 * 37_500);
  });

  test("backs off on 503 (overload): the window halves once per round trip, then grows additively", async () => {
    const clock = new FakeClock();
    // the window alone: not spread over the round trip, so that a whole window starts at once
    const l = new Pacer({ maxConcurrency: 64, clock, tuning: { spreadGain: 0 } });
    /** One round trip: the window filled, 50 ms, every answer `status`. */
    const round = async (status: number) => {
      const ts = await Promise.all(Array.from({ length: l.window.limit }, () => l.acquire()));
      clock.t += 50;
      for (const t of ts) l.release(t, { status });
    };
    await round(200);
    await round(200);
    const before = l.window.limit;
    expect(before).toBeGreaterThan(TUNING.initialWindow); // slow start
    await round(503);
    // one decrease: the other 503s of the same round are its echo
    expect(l.window.limit).toBe(Math.floor(before * TUNING.overloadDecrease));
    const after = l.window.limit;
    await round(200);
    // congestion avoidance from now on: at most one more per round trip, not a doubling
    expect(l.window.limit).toBeGreaterThanOrEqual(after);
    expect(l.window.limit).toBeLessThanOrEqual(after + 1);
  });

  test("a tenant that became slower for good (100 ms, then 400 ms whatever the load) is not taken for congestion for long", async () => {
    const r = await simulate({
      perSec: 1e6,
      burst: 1e6,
      requests: 4000,
      parallel: 64,
      latencyMs: 100,
      latencyAt: (_n, now) => (now < 2000 ? 100 : 400),
      cap: 64,
      horizonMs: 120_000,
    });
    expect(r.done).toBe(4000);
    // one decrease (×0.8) shows the latency is not ours; then it grows back to the ceiling
    expect(r.limiter.window.limit).toBe(64);
  });

  test("retries that got 429 together wake through one gate and do not collide again", async () => {
    const clock = new FakeClock();
    const l = new Pacer({ maxConcurrency: 8, clock });
    // 8 requests in flight, all answered 429 with Retry-After 1 s
    const tickets = await Promise.all(Array.from({ length: 8 }, () => l.acquire()));
    for (const t of tickets) {
      l.release(t, { status: 429, retryAfterMs: 1000 });
      await l.backoff(1000, 429);
    }
    const starts: number[] = [];
    const retried = Array.from({ length: 8 }, async () => {
      const t = await l.acquire(true);
      starts.push(clock.now());
      l.release(t, { status: 200 });
    });
    await clock.runUntil(999);
    expect(starts).toEqual([]); // Retry-After honoured
    await clock.runUntil(5000);
    await Promise.all(retried);
    expect(starts).toHaveLength(8);
    expect(Math.min(...starts)).toBeGreaterThanOrEqual(1000);
    // released one by one at the pace, not all at once
    expect(new Set(starts).size).toBe(8);
  });

  test("a long Retry-After (a spent quota) holds fresh requests too", async () => {
    const clock = new FakeClock();
    const l = new Pacer({ maxConcurrency: 8, clock });
    const t = await l.acquire();
    l.release(t, { status: 429, retryAfterMs: 5000 });
    await l.backoff(5000, 429);
    let started = -1;
    void l.acquire().then(() => (started = clock.now()));
    await clock.runUntil(4999);
    expect(started).toBe(-1);
    await clock.runUntil(6000);
    expect(started).toBeGreaterThanOrEqual(5000);
  });

  test("not adaptive: the plain semaphore — no pacing, no gate, backoff sleeps per call", async () => {
    const clock = new FakeClock();
    const l = new Pacer({ maxConcurrency: 2, adaptive: false, clock });
    const a = await l.acquire();
    l.release(a, { status: 429, retryAfterMs: 1000 });
    expect(l.rate()).toBe(Infinity);
    let slept = false;
    const b = l.backoff(500, 429).then(() => (slept = true));
    await clock.runUntil(499);
    expect(slept).toBe(false);
    await clock.runUntil(500);
    await b;
    expect(slept).toBe(true);
    const t1 = await l.acquire();
    const t2 = await l.acquire();
    let third = false;
    void l.acquire().then(() => (third = true));
    await flush();
    expect(third).toBe(false);
    l.release(t1);
    await flush();
    expect(third).toBe(true);
    l.release(t2);
  });
});

describe("settings", () => {
  const { resolveSettings, DEFAULT_MAX_CONCURRENCY } = require("../../provider/config") as typeof import("../../provider/config");
  const env = { VEZA_URL: "https://acme.vezacloud.com", VEZA_API_TOKEN: "t" };

  test("veza:adaptivePacing (default true), veza:maxRequestsPerSecond (default 0) and veza:maxConcurrency (default 64) from the environment", () => {
    expect(resolveSettings({}, {}, env)).toMatchObject({ adaptivePacing: true, maxRequestsPerSecond: 0, maxConcurrency: 64 });
    expect(DEFAULT_MAX_CONCURRENCY).toBe(64);
    expect(
      resolveSettings({}, {}, { ...env, VEZA_ADAPTIVE_PACING: "false", VEZA_MAX_REQUESTS_PER_SECOND: "20", VEZA_MAX_CONCURRENCY: "8" }),
    ).toMatchObject({
      adaptivePacing: false,
      maxRequestsPerSecond: 20,
      maxConcurrency: 8,
    });
    expect(() => resolveSettings({}, {}, { ...env, VEZA_ADAPTIVE_PACING: "sometimes" })).toThrow(
      /veza:adaptivePacing.*VEZA_ADAPTIVE_PACING.*true or false/,
    );
  });

  test("maxRate paces from the first request, adaptive or not", async () => {
    const clock = new FakeClock();
    for (const adaptive of [true, false]) {
      const l = new Pacer({ maxConcurrency: 8, adaptive, maxRate: 10, clock });
      const starts: number[] = [];
      const all = Array.from({ length: 5 }, async () => {
        const t = await l.acquire();
        starts.push(clock.now());
        l.release(t, { status: 200 });
      });
      await clock.runUntil(clock.now() + 2000);
      await Promise.all(all);
      expect(starts).toHaveLength(5);
      // 10 per second: five starts span at least 300 ms (the first two may go together)
      expect(Math.max(...starts) - Math.min(...starts)).toBeGreaterThanOrEqual(300);
    }
  });
});
