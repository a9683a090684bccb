/**
 * Every tuning figure of the pacing controller (./estimator.ts, ./limiter.ts) and of the retry backoff
 * (./retry.ts), as typed options with their defaults. Nothing here is a user setting: the settings
 * (`veza:maxConcurrency`, `veza:maxRequestsPerSecond`, `veza:adaptivePacing`) are ceilings and switches;
 * these say how the controller finds the tenant's limits below them. Tests inject their own (a `Pacer`'s
 * and a `Pacers`' `tuning` option, a client's `backoff`). Why each figure is what it is: docs/pacing.md.
 *
 * Times in ms, rates in requests per second.
 */
import { VezaUsageError } from "../errors";

export interface PacingTuning {
  // ---- concurrency window (AIMD with slow start, Vegas-style delay signal)

  /** Window at start: the fixed cap of earlier releases, safe for any tenant. @defaultValue 8 */
  readonly initialWindow: number;
  /** Slow start: growth per answer while no congestion was seen (0.5: ×1.5 a round trip, gentler than TCP's doubling on a tenant whose burst is small). @defaultValue 0.5 */
  readonly slowStartGrowth: number;
  /** The window is kept at least pace × typical latency × this (Little's law with headroom), and after a cut of the pace at most that: the pace, not the window, limits a paced sender, and its probe cannot overshoot by more requests in flight than the tenant accepted. @defaultValue 2 */
  readonly paceHeadroom: number;
  /** Requests are spread at (window ÷ typical latency) × this: a whole window sent at once at a long latency is a clump the tenant's burst may not hold; 0 turns the spreading off. @defaultValue 2 */
  readonly spreadGain: number;
  /** The window never goes below this. @defaultValue 2 */
  readonly minWindow: number;
  /** Growth needs this share of the window in flight when an answer comes (otherwise the engine, not the tenant, is the limit). @defaultValue 0.5 */
  readonly useShare: number;
  /** Window × this on a 503 (the tenant says it is overloaded). @defaultValue 0.5 */
  readonly overloadDecrease: number;
  /** Window × this on a 429 while the window, not the pace, limits the sending (the tenant's rate is below window ÷ latency). @defaultValue 0.75 */
  readonly rateLimitDecrease: number;
  /** Window × this when the latency rises (a queue is building at the tenant). @defaultValue 0.8 */
  readonly latencyDecrease: number;
  /** Latency counts as risen above this multiple of the lowest latency seen ... @defaultValue 3 */
  readonly latencyTolerance: number;
  /** ... plus this many ms (jitter of a fast tenant and of a busy event loop is not congestion). @defaultValue 100 */
  readonly latencySlackMs: number;
  /** The latency judged is the median of this many last answers: a few slow answers (a stalled event loop, one slow route) are not a queue. @defaultValue 16 */
  readonly latencySamples: number;
  /** Latency is judged again after a decrease on at least this many answers of requests sent after it (and half a window of them). @defaultValue 8 */
  readonly judgeAfter: number;
  /** A latency decrease that did not lower the latency by this share (answers of requests sent after it against the later half of its echo) shows the latency is not ours (a tenant slower for good): it becomes the new lowest. @defaultValue 0.05 */
  readonly decreaseEffect: number;

  // ---- send pace (token-bucket estimation from 429s and rate-limit headers)

  /** Lowest pace the cuts go to. @defaultValue 0.5 */
  readonly minRate: number;
  /** Share of the measured tenant rate the pace returns to after a measured cut. @defaultValue 0.95 */
  readonly measuredShare: number;
  /** A cut is at least this deep relative to the pace that got the 429. @defaultValue 0.9 */
  readonly maxKeep: number;
  /** Slow probe after a measured cut: pace × (1 + probeK × s²) × 2^(s − probePatienceS), s counting seconds (see `slowProbeRoundTrips`) since the cut. @defaultValue 0.03 */
  readonly probeK: number;
  /** See `probeK`. @defaultValue 3 */
  readonly probePatienceS: number;
  /** Fast probe after an unmeasured cut: the pace doubles every this many ms (see `probeRoundTrips`), up to the pace that got the first 429. @defaultValue 150 */
  readonly doublingMs: number;
  /** The fast probe doubles no faster than every this many round trips: a 429 answers it one round trip late, so the pace has grown 2^(1/this) by then. @defaultValue 2 */
  readonly probeRoundTrips: number;
  /** The slow probe's clock counts seconds, or units of this many round trips when that is longer: at a long latency a 429 answers the probe late, and a probe that grows as fast as at a short one overshoots by more. @defaultValue 5 */
  readonly slowProbeRoundTrips: number;
  /** Send times kept for the replay of the tenant's bucket. @defaultValue 20000 */
  readonly maxReplay: number;
  /** The window of the second estimate at a cut. @defaultValue 2000 */
  readonly windowMs: number;
  /** Least time between two cuts, or one round trip when that is longer (429s that do not follow the pace, e.g. random ones, cannot cut it to nothing at once). @defaultValue 300 */
  readonly cutGapMs: number;
  /** Answers of requests sent after a cut needed before the next cut. @defaultValue 10 */
  readonly minAnswers: number;
  /** A 429 share at least this high, and between noEffect × and 2 × the share before the last cut: the cut did not help. @defaultValue 0.1 */
  readonly noiseShare: number;
  /** See `noiseShare`. @defaultValue 0.8 */
  readonly noEffect: number;
  /** A cut never goes below this share of what the tenant accepted over the last second. @defaultValue 0.5 */
  readonly floorShare: number;
  /** Shortest span between two events that counts as a measurement. @defaultValue 200 */
  readonly minSpanMs: number;
  /** Rate-limit headers: a request starts only while the mirror of the quota predicts at least this many left besides its own (jitter between our send times and the tenant's arrival times). @defaultValue 1 */
  readonly quotaMargin: number;
  /** Rate-limit headers without a policy: the refill rate is the median of the last 2 × this + 1 measurements, and known once this many were made. @defaultValue 3 */
  readonly quotaSamples: number;
  /** Rate-limit headers: the pace stays at this share of the tenant's rate they tell (the rest refills the bucket: a margin for requests that reach the tenant closer together than they left). @defaultValue 0.95 */
  readonly quotaShare: number;
  /** Rate-limit headers without a policy, while the last answer found the bucket full: the replay assumes the tenant refills at least this × what it accepted over the last second (it kept up with that). @defaultValue 1.1 */
  readonly quotaProbe: number;
  /** A Retry-After longer than this holds every request, not only the retries. @defaultValue 1000 */
  readonly quotaRetryAfterMs: number;
  /** Above this the pace is treated as unpaced. @defaultValue 1000000 */
  readonly unpaced: number;
}

export const DEFAULT_PACING_TUNING: PacingTuning = Object.freeze({
  initialWindow: 8,
  slowStartGrowth: 0.5,
  paceHeadroom: 2,
  spreadGain: 2,
  minWindow: 2,
  useShare: 0.5,
  overloadDecrease: 0.5,
  rateLimitDecrease: 0.75,
  latencyDecrease: 0.8,
  latencyTolerance: 3,
  latencySlackMs: 100,
  latencySamples: 16,
  judgeAfter: 8,
  decreaseEffect: 0.05,
  minRate: 0.5,
  measuredShare: 0.95,
  maxKeep: 0.9,
  probeK: 0.03,
  probePatienceS: 3,
  doublingMs: 150,
  probeRoundTrips: 2,
  slowProbeRoundTrips: 5,
  maxReplay: 20_000,
  windowMs: 2000,
  cutGapMs: 300,
  minAnswers: 10,
  noiseShare: 0.1,
  noEffect: 0.8,
  floorShare: 0.5,
  minSpanMs: 200,
  quotaMargin: 1,
  quotaSamples: 3,
  quotaShare: 0.95,
  quotaProbe: 1.1,
  quotaRetryAfterMs: 1000,
  unpaced: 1e6,
});

export interface BackoffTuning {
  /** The first retry waits up to this (full jitter: a uniform wait in [0, min(capMs, baseMs × 2^attempt))). @defaultValue 100 */
  readonly baseMs: number;
  /** No backoff wait is longer than this (a `Retry-After` may be). @defaultValue 10000 */
  readonly capMs: number;
}

export const DEFAULT_BACKOFF: BackoffTuning = Object.freeze({ baseMs: 100, capMs: 10_000 });

/** `defaults` with `overrides` applied; an override that is not a finite number >= 0 is an error naming it. */
export function withTuning<T extends object>(defaults: T, overrides: Partial<T> | undefined, what: string): T {
  if (!overrides) return defaults;
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in defaults)) throw new VezaUsageError(`${what}: unknown figure "${key}" (known: ${Object.keys(defaults).join(", ")})`);
    if (value !== undefined && !(typeof value === "number" && Number.isFinite(value) && value >= 0)) {
      throw new VezaUsageError(`${what}.${key} must be a finite number >= 0, got ${JSON.stringify(value)}`);
    }
  }
  return Object.freeze({ ...defaults, ...stripUndefined(overrides) });
}

function stripUndefined<T extends object>(o: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
