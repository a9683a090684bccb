/**
 * A simulated tenant for the pacer on a fake clock: a token bucket (the emulator's, emulator/ratelimit.ts)
 * in front of a server with a given latency, and a workload of `parallel` workers (the engine's
 * `--parallel`) each sending one request at a time through the pacer and retrying 429s the way the
 * client does. No real time passes; every figure is a count over simulated time.
 */
import { Pacer, type Feedback } from "../../provider/client/limiter";
import type { PacingTuning } from "../../provider/client/tuning";
import { FakeClock } from "./fake-clock";
import { TokenBucket, rateLimitHeaders } from "../../emulator/ratelimit";
import type { RateLimitHeaderForm } from "../../emulator/knobs";
import { rateLimitFeedback } from "../../provider/client/quota";

export interface SimOptions {
  /** Tenant: token bucket; perSec may change at given times. */
  perSec: number;
  burst: number;
  changes?: { at: number; perSec: number }[];
  retryAfterS?: (retryAfterS: number) => number;
  /** Requests the workload issues in all, and how many are outstanding at once (the engine's parallelism). */
  requests: number;
  parallel: number;
  latencyMs: number;
  /** Latency as a function of the requests the tenant is serving (a tenant with a fixed number of workers queues the rest); default `latencyMs`. */
  latencyAt?: (inFlight: number, now: number) => number;
  /** veza:maxConcurrency (default 64). */
  cap?: number;
  adaptive?: boolean;
  /** Give up after this much simulated time, ms. */
  horizonMs: number;
  /** Besides the bucket: this share of requests answered 429 at random (no Retry-After), like the fault knob. */
  random429?: number;
  /** Each request reaches the tenant a random 0 to this many ms after it starts (a busy event loop, a network's jitter), its answer `latencyMs` later. */
  arrivalJitterMs?: number;
  /** Called at every request's arrival at the tenant (exploration and debugging). */
  onArrival?: (now: number, allowed: boolean, limiter: Pacer) => void;
  /** The pacer's figures, when not the defaults. */
  tuning?: Partial<PacingTuning>;
  /** Rate-limit headers the tenant sends, as the emulator writes them (read back by the client's parser). */
  headerForm?: RateLimitHeaderForm;
}

export interface SimResult {
  done: number;
  accepted: number;
  throttled: number;
  maxInFlight: number;
  /** Time-weighted mean of requests in flight at the tenant, first request to last answer. */
  meanInFlight: number;
  endedAt: number;
  /** Accepted requests, and requests answered 429, by simulated second. */
  perSecond: number[];
  throttledPerSecond: number[];
  limiter: Pacer;
}

/**
 * Drives `requests` calls through the limiter the way the client does: acquire, send (the tenant
 * decides on arrival and answers after `latencyMs`), release with feedback, and on a 429 back off
 * through the limiter and retry until accepted.
 */
export async function simulate(o: SimOptions): Promise<SimResult> {
  const clock = new FakeClock();
  const cuts: unknown[] = [];
  const limiter = new Pacer({
    maxConcurrency: o.cap,
    adaptive: o.adaptive ?? true,
    clock,
    tuning: o.tuning,
    onCut: (e: { at: number; from: number; to: number; measured: boolean }) =>
      cuts.push([Math.round(e.at), Math.round(e.from), Math.round(e.to), e.measured]),
  });
  let perSec = o.perSec;
  let bucket = new TokenBucket({ perSec, burst: o.burst }, 0);
  let inFlight = 0;
  const r: SimResult = {
    done: 0,
    accepted: 0,
    throttled: 0,
    maxInFlight: 0,
    meanInFlight: 0,
    endedAt: 0,
    perSecond: [],
    throttledPerSecond: [],
    limiter,
  };
  let busyMs = 0;
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const answerAfter = (ms: number) => new Promise<void>((res) => clock.setTimer(res, ms));

  const call = async (): Promise<void> => {
    let retry = false;
    for (let attempt = 0; attempt < 200; attempt++) {
      let status = 0;
      let retryAfterMs = 0;
      await limiter.run(
        async () => {
          inFlight++;
          r.maxInFlight = Math.max(r.maxInFlight, inFlight);
          // a busy machine: the request reaches the tenant some time after the pacer let it go
          if (o.arrivalJitterMs) await answerAfter(random() * o.arrivalJitterMs);
          for (const c of o.changes ?? []) {
            if (clock.now() >= c.at && perSec !== c.perSec) {
              perSec = c.perSec;
              bucket = new TokenBucket({ perSec, burst: o.burst }, clock.now());
            }
          }
          const v = bucket.take(clock.now());
          o.onArrival?.(clock.now(), v.allowed, limiter);
          const ms = o.latencyAt ? o.latencyAt(inFlight, clock.now()) : o.latencyMs;
          busyMs += ms;
          await answerAfter(ms);
          inFlight--;
          status = v.allowed ? 200 : 429;
          retryAfterMs = v.allowed ? 0 : (o.retryAfterS ?? ((s) => s))(v.retryAfterS!) * 1000;
          if (status === 200 && o.random429 && random() < o.random429) {
            status = 429;
            retryAfterMs = 50; // the client's backoff when no Retry-After comes
            return { status } as Feedback;
          }
          const headers = o.headerForm
            ? rateLimitHeaders({ rateLimit: { perSec, burst: o.burst }, rateLimitHeaders: o.headerForm }, v)
            : {};
          return { status, retryAfterMs, ...rateLimitFeedback(headers) } as Feedback;
        },
        (fb: Feedback) => fb,
        { retry },
      );
      if (status === 200) {
        r.accepted++;
        const sec = Math.floor(clock.now() / 1000);
        r.perSecond[sec] = (r.perSecond[sec] ?? 0) + 1;
        return;
      }
      r.throttled++;
      const sec = Math.floor(clock.now() / 1000);
      r.throttledPerSecond[sec] = (r.throttledPerSecond[sec] ?? 0) + 1;
      retry = true;
      await limiter.backoff(retryAfterMs, 429);
    }
  };

  let issued = 0;
  const worker = async (): Promise<void> => {
    while (issued < o.requests) {
      issued++;
      await call();
      r.done++;
    }
  };
  const all = Promise.all(Array.from({ length: o.parallel }, worker)).then(() => {
    r.endedAt = clock.now();
    r.meanInFlight = busyMs / r.endedAt;
  });
  for (let t = 0; t < o.horizonMs && r.done < o.requests; t += 100) await clock.runUntil(t + 100);
  await clock.runUntil(clock.now());
  void all;
  if (process.env.LIMITER_SIM_LOG)
    console.log(
      JSON.stringify({
        perSec: o.perSec,
        done: r.done,
        throttled: r.throttled,
        endedAt: r.endedAt,
        ideal: ideal(o.requests, o.perSec, o.burst),
        rate: limiter.rate(),
        counters: limiter.counters,
        window: limiter.window.limit,
        perSecond: r.perSecond,
        throttledPerSecond: r.throttledPerSecond,
        cuts,
      }),
    );
  return r;
}

/** Simulated ms the bucket needs for `requests` after its burst. */
export const ideal = (requests: number, perSec: number, burst: number) => ((requests - burst) / perSec) * 1000;
