/**
 * The pacer in each regime of the latency table (bench/latency.ts), on a fake clock against the
 * simulated tenant of ./tenant-sim.ts: the tenant's latency (20, 150, 400 ms) × its token bucket (25, 50,
 * 100 requests/s, burst 10, `Retry-After` in whole seconds) × the engine's `--parallel` (8, 64); then
 * tenants that send rate-limit headers in each form the emulator can write. No real time passes.
 */
import { Pacer } from "../../provider/client/limiter";
import { RateEstimator } from "../../provider/client/estimator";
import { QuotaMirror, rateLimitFeedback } from "../../provider/client/quota";
import { DEFAULT_PACING_TUNING as T } from "../../provider/client/tuning";
import { FakeClock } from "./fake-clock";
import { simulate, type SimResult } from "./tenant-sim";

const BURST = 10;
const LATENCIES = [20, 150, 400];
const RATES = [25, 50, 100];
const PARALLELS = [8, 64];
const cells = LATENCIES.flatMap((latencyMs) => RATES.flatMap((perSec) => PARALLELS.map((parallel) => ({ latencyMs, perSec, parallel }))));

/** The bucket's time for the requests after its burst, or the latency's with `parallel` in flight when that is longer (ms). */
function idealMs(requests: number, perSec: number, latencyMs: number, parallel: number): number {
  return Math.max(((requests - BURST) / perSec) * 1000, (requests * latencyMs) / parallel);
}

/**
 * What no pacer can avoid on top of the ideal: slow start's climb from the initial window to the
 * requests in flight the rate needs (×1.5 a round trip), and one `Retry-After` (1 s, the least a whole-second
 * header says) for a 429 near the end.
 */
function unavoidableMs(perSec: number, latencyMs: number, parallel: number): number {
  const need = Math.min(parallel, (perSec * latencyMs) / 1000);
  const climbRoundTrips = need > T.initialWindow ? Math.ceil(Math.log(need / T.initialWindow) / Math.log(1 + T.slowStartGrowth)) : 0;
  return climbRoundTrips * latencyMs + 1000;
}

const share = (r: SimResult) => r.throttled / (r.accepted + r.throttled);

describe("latency-aware pace under a token bucket (fake clock)", () => {
  // 600 requests: the overshoot of the first round trips (a 429 answers one round trip late, so about
  // half a round trip's requests go into the empty bucket: docs/pacing.md) is a fixed cost. At the bench's
  // 402 resources this simulation measures 5.4 % at 400 ms, 25/s, --parallel 64, within 5 % elsewhere.
  const REQUESTS = 600;

  test.each(cells)(
    "$latencyMs ms, $perSec/s, --parallel $parallel: every request done, ≤ 5 % answered 429, wall ≤ 1.2 × ideal + slow start",
    async ({ latencyMs, perSec, parallel }) => {
      const r = await simulate({ perSec, burst: BURST, requests: REQUESTS, parallel, latencyMs, horizonMs: 300_000 });
      expect(r.done).toBe(REQUESTS);
      expect(share(r)).toBeLessThanOrEqual(0.05);
      expect(r.endedAt).toBeLessThanOrEqual(
        1.2 * idealMs(REQUESTS, perSec, latencyMs, parallel) + unavoidableMs(perSec, latencyMs, parallel),
      );
    },
  );

  test("at 400 ms the window fills the rate: 100/s needs 40 in flight, and gets them (it had 17 when the pace's clocks ran in 20 ms terms)", async () => {
    const r = await simulate({ perSec: 100, burst: BURST, requests: 1000, parallel: 64, latencyMs: 400, horizonMs: 300_000 });
    expect(r.done).toBe(1000);
    expect(r.meanInFlight).toBeGreaterThanOrEqual(0.8 * 40);
    expect(share(r)).toBeLessThanOrEqual(0.05);
  });

  test("a window is spread over its round trip: at 400 ms, 8 requests admitted together start over about half a round trip, not at once", async () => {
    const clock = new FakeClock();
    const l = new Pacer({ maxConcurrency: 64, clock });
    // one answer tells the latency
    const first = await l.acquire();
    clock.t += 400;
    l.release(first, { status: 200 });
    const starts: number[] = [];
    const all = Array.from({ length: 8 }, async () => {
      const t = await l.acquire();
      starts.push(clock.now());
      l.release(t);
    });
    await clock.runUntil(clock.now() + 1000);
    await Promise.all(all);
    expect(starts).toHaveLength(8);
    const span = Math.max(...starts) - Math.min(...starts);
    // window ÷ latency × spreadGain: 8 × 2 / 400 ms, one every 25 ms (the first two may go together)
    expect(span).toBeGreaterThanOrEqual(6 * (400 / (T.spreadGain * 8)) - 1);
    expect(span).toBeLessThan(400);
  });

  test("spreading off (spreadGain 0): the same 8 start at once", async () => {
    const clock = new FakeClock();
    const l = new Pacer({ maxConcurrency: 64, clock, tuning: { spreadGain: 0 } });
    const first = await l.acquire();
    clock.t += 400;
    l.release(first, { status: 200 });
    const tickets = await Promise.all(Array.from({ length: 8 }, () => l.acquire()));
    expect(tickets.every((t) => t.startedAt === clock.now())).toBe(true);
  });
});

describe("the pace's clocks run in round trips at a long latency (RateEstimator alone)", () => {
  /** Accepted answers of requests sent 10 ms apart for a second, then 2 ms apart for 200 ms (too fast), then a 429: the first cut. */
  function firstCut(roundTripMs: number): { e: RateEstimator; at: number } {
    const e = new RateEstimator();
    let now = roundTripMs;
    for (let i = 0; i < 100; i++, now += 10)
      e.observe({ sentAt: now - roundTripMs, now, inFlight: 1, roundTripMs, feedback: { status: 200 } });
    for (let i = 0; i < 100; i++, now += 2)
      e.observe({ sentAt: now - roundTripMs, now, inFlight: 1, roundTripMs, feedback: { status: 200 } });
    e.observe({ sentAt: now - roundTripMs, now, inFlight: 1, roundTripMs, feedback: { status: 429, retryAfterMs: 1000 } });
    expect(e.cuts).toBe(1);
    return { e, at: now };
  }

  test("after the first cut the pace doubles every doublingMs at 20 ms, every probeRoundTrips round trips at 400 ms, up to the pace that got the 429", () => {
    const short = firstCut(20);
    const base = short.e.rate(short.at);
    expect(short.e.rate(short.at + T.doublingMs)).toBeCloseTo(2 * base, 5);
    const long = firstCut(400);
    const longBase = long.e.rate(long.at);
    const period = T.probeRoundTrips * 400;
    expect(long.e.rate(long.at + period / 2)).toBeLessThan(1.5 * longBase);
    expect(long.e.rate(long.at + period)).toBeCloseTo(2 * longBase, 5);
    // the requests sent in the 200 ms before the 429 went at 500/s: the fast probe stops there, and goes on
    // only at the slow probe's pace (+3 % a probe unit, 2 s at 400 ms)
    expect(long.e.rate(long.at + 3 * period)).toBeGreaterThanOrEqual(500);
    expect(long.e.rate(long.at + 3 * period)).toBeLessThanOrEqual(500 * 1.03);
  });

  test("a 429 of a request sent before the cut is the same event, even when it comes a whole round trip later", () => {
    const { e, at } = firstCut(400);
    e.observe({ sentAt: at - 10, now: at + 400, inFlight: 1, roundTripMs: 400, feedback: { status: 429, retryAfterMs: 1000 } });
    expect(e.cuts).toBe(1);
    // one sent after the cut, answered a round trip later: a new event
    e.observe({ sentAt: at + 1, now: at + 401, inFlight: 1, roundTripMs: 400, feedback: { status: 429, retryAfterMs: 1000 } });
    expect(e.cuts).toBe(2);
  });
});

describe("a tenant that sends rate-limit headers is paced from them (fake clock)", () => {
  const forms = ["x-ratelimit", "ratelimit", "ratelimit-structured"] as const;
  const headerCells = forms.flatMap((headerForm) =>
    LATENCIES.flatMap((latencyMs) => [25, 100].map((perSec) => ({ headerForm, latencyMs, perSec }))),
  );

  test.each(headerCells)("$headerForm, $latencyMs ms, $perSec/s, --parallel 64: not one 429", async ({ headerForm, latencyMs, perSec }) => {
    const r = await simulate({ perSec, burst: BURST, requests: 402, parallel: 64, latencyMs, horizonMs: 300_000, headerForm });
    expect(r.done).toBe(402);
    expect(r.throttled).toBe(0);
    if (headerForm !== "x-ratelimit") {
      // a policy tells the rate from the first answer: no slower than without headers
      expect(r.endedAt).toBeLessThanOrEqual(1.2 * idealMs(402, perSec, latencyMs, 64) + unavoidableMs(perSec, latencyMs, 64));
      expect(r.limiter.rate()).toBeCloseTo(perSec * T.quotaShare, 5);
    }
  });

  test.each(["ratelimit", "ratelimit-structured"] as const)(
    "%s: not one 429 when requests reach the tenant up to 100 ms later than they left (a busy machine)",
    async (headerForm) => {
      for (const latencyMs of LATENCIES) {
        const r = await simulate({
          perSec: 50,
          burst: BURST,
          requests: 402,
          parallel: 64,
          latencyMs,
          arrivalJitterMs: 100,
          horizonMs: 300_000,
          headerForm,
        });
        expect(r.done).toBe(402);
        expect(r.throttled).toBe(0);
      }
    },
  );

  test("a fixed-window quota (Remaining counts down, Reset is the window's end): holds at the last requests in hand until the reset", () => {
    const q = new QuotaMirror();
    let sent = 0;
    // a quota of 5 per 10 s window: answers say 4, 3, 2 left
    for (const remaining of [4, 3, 2]) {
      q.started(sent);
      q.observe(sent, 200, { remaining, resetMs: 10_000 - sent });
      sent += 100;
    }
    // 2 left, quotaMargin 1: one more may start, then the mirror holds until the reset the tenant named
    // (an answer on its way may tell more before that: the pacer asks again at every answer)
    expect(q.startAt(sent)).toBe(sent);
    q.started(sent);
    expect(q.startAt(sent + 1)).toBe(10_000);
    q.observe(sent, 200, { remaining: 1, resetMs: 10_000 - sent });
    expect(q.startAt(sent + 10)).toBe(10_000);
  });

  test("the refill rate is measured from Remaining when no policy is sent", () => {
    const q = new QuotaMirror();
    // a bucket of 10 refilling at 20/s, a request every 25 ms (40/s): half of them find it empty
    let level = 10;
    for (let t = 0; t <= 3000; t += 25) {
      level = Math.min(10, level + 0.5);
      const accepted = level >= 1;
      if (accepted) level -= 1;
      q.started(t);
      q.observe(t, accepted ? 200 : 429, { remaining: Math.floor(level), resetMs: 1000 });
    }
    expect(q.rate).toBeGreaterThan(20 * 0.9);
    expect(q.rate).toBeLessThan(20 * 1.1);
  });
});

describe("rateLimitFeedback reads every header form", () => {
  test("X-RateLimit-* (Reset in seconds, or an epoch time)", () => {
    expect(rateLimitFeedback({ "x-ratelimit-limit": "25", "x-ratelimit-remaining": "3", "x-ratelimit-reset": "2" })).toEqual({
      remaining: 3,
      resetMs: 2000,
    });
    expect(rateLimitFeedback({ "x-ratelimit-reset": String(1_700_000_010) }, 1_700_000_000_000)).toEqual({ resetMs: 10_000 });
  });

  test("RateLimit-Limit/Remaining/Reset with RateLimit-Policy (drafts up to -07), and a policy inside RateLimit-Limit (-00 to -02)", () => {
    expect(rateLimitFeedback({ "ratelimit-remaining": "0", "ratelimit-reset": "1", "ratelimit-policy": "50;w=1;burst=10" })).toEqual({
      remaining: 0,
      resetMs: 1000,
      limit: 50,
      windowMs: 1000,
    });
    expect(rateLimitFeedback({ "ratelimit-limit": "100, 100;w=60", "ratelimit-remaining": "7" })).toEqual({
      remaining: 7,
      limit: 100,
      windowMs: 60_000,
    });
  });

  test("the structured fields (-08 on): RateLimit and RateLimit-Policy, the tightest of several policies, the quota with least left", () => {
    expect(rateLimitFeedback({ ratelimit: '"bucket";r=4;t=1', "ratelimit-policy": '"bucket";q=25;w=1' })).toEqual({
      remaining: 4,
      resetMs: 1000,
      limit: 25,
      windowMs: 1000,
    });
    expect(
      rateLimitFeedback({
        ratelimit: '"hour";r=900;t=3000, "second";r=2;t=1',
        "ratelimit-policy": '"hour";q=1000;w=3600, "second";q=10;w=1',
      }),
    ).toEqual({
      remaining: 2,
      resetMs: 1000,
      limit: 1000,
      windowMs: 3_600_000,
    });
  });

  test("draft -07's RateLimit: limit=, remaining=, reset=", () => {
    expect(rateLimitFeedback({ ratelimit: "limit=10, remaining=5, reset=3" })).toEqual({ remaining: 5, resetMs: 3000 });
  });

  test("nothing, or nothing readable: nothing", () => {
    expect(rateLimitFeedback({})).toEqual({});
    expect(rateLimitFeedback({ "x-ratelimit-remaining": "lots", "ratelimit-policy": "fair" })).toEqual({});
  });
});

describe("tuning as options", () => {
  test("a Pacer takes overrides of its figures; the rest keep their defaults", () => {
    const l = new Pacer({ tuning: { initialWindow: 4 } });
    expect(l.window.limit).toBe(4);
    expect(l.tuning.slowStartGrowth).toBe(T.slowStartGrowth);
    expect(new Pacer().window.limit).toBe(T.initialWindow);
  });

  test("an override that is not a number >= 0, or a figure that does not exist, is an error naming it", () => {
    expect(() => new Pacer({ tuning: { initialWindow: -1 } })).toThrow(/pacing tuning\.initialWindow must be a finite number >= 0, got -1/);
    expect(() => new Pacer({ tuning: { nope: 1 } as never })).toThrow(/pacing tuning: unknown figure "nope"/);
  });
});

describe("quota mirror edge cases", () => {
  test("a bucket of one (Remaining never above 0) still lets a request through once it has refilled", () => {
    const q = new QuotaMirror();
    q.started(0);
    q.observe(0, 200, { remaining: 0, limit: 2, windowMs: 1000, resetMs: 500 });
    const at = q.startAt(1);
    expect(at).toBeGreaterThan(1);
    expect(at).toBeLessThanOrEqual(500);
    expect(q.startAt(at)).toBe(at);
  });

  test("a policy of 0 requests is no pace to keep (never a pace of 0, which would stop everything)", () => {
    const q = new QuotaMirror();
    q.observe(0, 200, { limit: 0, windowMs: 1000 });
    expect(q.pace).toBe(Infinity);
  });
});
