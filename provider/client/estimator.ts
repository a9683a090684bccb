/**
 * The two estimators of the pacing controller (./limiter.ts schedules; these decide). Neither reads a
 * clock, sets a timer or sends anything: each is told what an answer said and when (`now`), and
 * answers with a limit. The same answers give the same limits, so tests drive them with plain numbers.
 *
 * - `ConcurrencyWindow`: how many requests may be in flight (AIMD with slow start and a delay signal).
 * - `RateEstimator`: the send pace, learnt from 429s (the tenant's token bucket) and rate-limit headers.
 *
 * Their figures are options (./tuning.ts); how they work and why: docs/pacing.md.
 */
import type { QuotaHeaders } from "./quota";
import { DEFAULT_PACING_TUNING, type PacingTuning } from "./tuning";

/** What one answer told about the tenant: its status, `Retry-After` and rate-limit headers (./quota.ts). */
export interface Feedback extends QuotaHeaders {
  /** HTTP status; 0 or absent: no answer (network failure). */
  status?: number;
  /** `Retry-After`, in ms. */
  retryAfterMs?: number;
}

/** One answered request, as the estimators see it. */
export interface Sample {
  /** When it was sent and when its answer came. */
  sentAt: number;
  now: number;
  /** Requests in flight when its answer came, itself included. */
  inFlight: number;
  /** The send pace in force when the answer came, requests per second (Infinity: unpaced). */
  pace?: number;
  /** The typical round trip of the last answers, ms (the window's median), this answer's included. */
  roundTripMs?: number;
  feedback: Feedback;
}

export class ConcurrencyWindow {
  private window: number;
  private slowStartUntil = Infinity;
  private lowestMs = Infinity;
  /** Latencies of the last `latencySamples` answers, oldest first. */
  private readonly recent: number[] = [];
  private lastDecreaseAt = -Infinity;
  /** Answers of requests sent after the last decrease, and their total latency. */
  private answersSinceDecrease = 0;
  private latencySinceDecrease = 0;
  /** Latencies of the answers after the last latency decrease of requests sent before it (its echo: at most the window); undefined: no latency decrease to judge. */
  private echo?: number[];

  /** `ceiling`: veza:maxConcurrency. Not adaptive: the window is the ceiling. */
  constructor(
    private readonly ceiling: number,
    private readonly adaptive = true,
    private readonly t: PacingTuning = DEFAULT_PACING_TUNING,
  ) {
    this.window = adaptive ? Math.min(ceiling, this.t.initialWindow) : ceiling;
  }

  /** Requests that may be in flight now: a whole number in [minWindow, ceiling] (1 when the ceiling is 1). */
  get limit(): number {
    return Math.max(Math.min(this.t.minWindow, this.ceiling), Math.min(this.ceiling, Math.floor(this.window)));
  }

  observe(s: Sample): void {
    const status = s.feedback.status ?? 0;
    if (!this.adaptive || !status) return; // no answer: says nothing about the tenant's load
    const latency = Math.max(0, s.now - s.sentAt);
    this.lowestMs = Math.min(this.lowestMs, latency);
    this.recent.push(latency);
    if (this.recent.length > this.t.latencySamples) this.recent.shift();
    const typical = this.typicalMs()!;
    // one decrease per round trip: answers of requests sent before the last decrease are its echo
    const fresh = s.sentAt >= this.lastDecreaseAt;
    if (fresh) {
      this.answersSinceDecrease++;
      this.latencySinceDecrease += latency;
    } else this.echo?.push(latency);
    if (status === 503) {
      if (fresh) this.decrease(this.t.overloadDecrease, s.now);
      return;
    }
    if (status === 429) {
      this.slowStartUntil = Math.min(this.slowStartUntil, this.window);
      // the window sends at most window ÷ latency a second: below the pace, it is what went too fast
      if (fresh && (s.pace ?? Infinity) > (this.window * 1000) / Math.max(1, this.typicalMs()!))
        this.decrease(this.t.rateLimitDecrease, s.now);
      return;
    }
    if (typical <= this.lowestMs * this.t.latencyTolerance + this.t.latencySlackMs) {
      this.echo = undefined; // back within tolerance: the last decrease helped
    } else {
      if (!fresh || this.answersSinceDecrease < Math.max(this.t.judgeAfter, this.window * this.t.useShare)) return;
      const since = this.latencySinceDecrease / this.answersSinceDecrease;
      // the later half of the echo: requests sent last before the decrease, at the window it cut
      const before = this.echo?.slice(Math.floor(this.echo.length / 2));
      if (before?.length && since > (1 - this.t.decreaseEffect) * (before.reduce((a, b) => a + b, 0) / before.length)) {
        this.lowestMs = since; // the last decrease did not help: the tenant is slower, not queueing our requests
        this.echo = undefined;
        return;
      }
      this.decrease(this.t.latencyDecrease, s.now);
      this.echo = [];
      return;
    }
    if (status >= 400 || s.inFlight < this.window * this.t.useShare) return;
    this.window = Math.min(
      this.ceiling,
      this.window < this.slowStartUntil ? this.window + this.t.slowStartGrowth : this.window + 1 / this.window,
    );
  }

  /**
   * The pace that spreads the window over a round trip (× `spreadGain`), requests per second (Infinity
   * before the first answer, or not adaptive). Requests started as soon as the window admits them leave
   * in clumps of a whole window when the latency is long (each round trip's answers come back together),
   * and a clump larger than the tenant's burst is answered 429 well below the tenant's rate.
   */
  spreadRate(): number {
    const latency = this.typicalMs();
    if (!this.adaptive || !latency || !(this.t.spreadGain > 0)) return Infinity;
    return (this.t.spreadGain * this.limit * 1000) / latency;
  }

  /** The median latency of the last answers (undefined before the first). */
  typicalMs(): number | undefined {
    if (!this.recent.length) return undefined;
    const sorted = [...this.recent].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  }

  /**
   * The pace was cut to `rate` (a 429 event): more requests in flight than `rate` × latency (with
   * `paceHeadroom`) would only be sent into the tenant's empty bucket. Growth goes on additively.
   */
  fitToPace(rate: number, now: number): void {
    const latency = this.typicalMs();
    if (!this.adaptive || latency === undefined || rate === Infinity) return;
    const need = Math.ceil((rate * latency * this.t.paceHeadroom) / 1000);
    if (need < this.window) this.decrease(Math.max(this.t.minWindow, need) / this.window, now);
  }

  private decrease(factor: number, now: number): void {
    this.window = Math.max(this.t.minWindow, this.window * factor);
    this.slowStartUntil = this.window;
    this.lastDecreaseAt = now;
    this.answersSinceDecrease = 0;
    this.latencySinceDecrease = 0;
    this.echo = undefined;
  }
}

/** A change of the pace, for logs and tests. */
export interface Cut {
  at: number;
  from: number;
  to: number;
  measured: boolean;
}

/**
 * The send pace, learnt from the tenant's answers (its token bucket: a burst, then a steady rate): unpaced
 * until the first 429; each throttle event cuts the pace to a measurement of the tenant's rate, then
 * probes upwards (docs/pacing.md). `veza:maxRequestsPerSecond` caps it (a tenant's rate-limit headers
 * cap the sending too: ./quota.ts).
 */
export class RateEstimator {
  private readonly maxRate: number;
  /** The pace right after the last cut (Infinity: never cut). */
  private base = Infinity;
  /** Whether `base` is a measurement (slow probe) or a guess (fast probe). */
  private measured = false;
  /** When the last cut happened, and when the request that triggered it was sent. */
  private cutAt = -Infinity;
  private eventSentAt?: number;
  /** Accepted answers of requests sent since `eventSentAt`, and when those requests were sent (at most maxReplay). */
  private acceptedSinceEvent = 0;
  private sentSinceEvent: number[] = [];
  private replayTruncated = false;
  /** Answers (and 429s among them) of requests sent since the last cut, and the 429 share that led to it. */
  private answersSinceCut = 0;
  private throttledSinceCut = 0;
  private shareAtCut = 0;
  /** When recent accepted answers arrived (last windowMs). */
  private recent: number[] = [];
  /** What the first cut saw accepted in its last second: at least the tenant's burst. */
  private burstGuess?: number;
  /** Send times of the answers of the last windowMs (accepted or not): how fast we were sending. */
  private sentRecently: number[] = [];
  /** The fast probe goes no higher than the pace that got the first 429 (it was too fast). */
  private fastCeiling = Infinity;
  /** The typical round trip (the window's median latency): a 429 answers a probe this late. */
  private roundTripMs = 0;
  /** Cuts so far, and 429s seen. */
  cuts = 0;
  throttled = 0;

  constructor(
    maxRate = 0,
    private readonly adaptive = true,
    private readonly onCut?: (c: Cut) => void,
    private readonly t: PacingTuning = DEFAULT_PACING_TUNING,
  ) {
    this.maxRate = maxRate > 0 ? maxRate : Infinity;
  }

  /** The pace in force at `now`, requests per second (Infinity: unpaced). */
  rate(now: number): number {
    let r = this.maxRate;
    if (this.adaptive && this.base !== Infinity) {
      const since = Math.max(0, now - this.cutAt);
      let grown: number;
      if (this.measured) grown = this.slowProbe(this.base, since);
      else {
        // doubling up to the pace that got the first 429, then on slowly (that pace was not too fast after all)
        const doublingMs = Math.max(this.t.doublingMs, this.t.probeRoundTrips * this.roundTripMs);
        const atCeilingMs = this.fastCeiling > this.base ? doublingMs * Math.log2(this.fastCeiling / this.base) : 0;
        grown =
          since < atCeilingMs
            ? this.base * 2 ** (since / doublingMs)
            : this.slowProbe(Math.max(this.base, this.fastCeiling), since - atCeilingMs);
      }
      r = Math.min(r, grown);
    }
    return r >= this.t.unpaced ? Infinity : r;
  }

  /** The slow probe from `base`, `sinceMs` after it started; its clock runs in seconds, or in slowProbeRoundTrips round trips when that is longer. */
  private slowProbe(base: number, sinceMs: number): number {
    const s = sinceMs / Math.max(1000, this.t.slowProbeRoundTrips * this.roundTripMs);
    return base * (1 + this.t.probeK * s * s) * 2 ** Math.max(0, s - this.t.probePatienceS);
  }

  /** Learns from an answer. */
  observe(s: Sample): void {
    if (!this.adaptive) return;
    const { now, sentAt, feedback: fb } = s;
    if (!fb.status) return; // no answer: says nothing about the rate
    if (s.roundTripMs !== undefined) this.roundTripMs = s.roundTripMs;
    this.sentRecently.push(sentAt);
    if (this.sentRecently.length > 256 && this.sentRecently[0] < now - this.t.windowMs)
      this.sentRecently = this.sentRecently.filter((t) => t >= now - this.t.windowMs);
    const afterCut = sentAt > this.cutAt;
    if (afterCut) this.answersSinceCut++;
    if (fb.status === 429) {
      this.throttled++;
      if (afterCut) this.throttledSinceCut++;
      if (afterCut && this.shouldCut(now, fb)) this.cut(now, sentAt);
      return;
    }
    if (this.eventSentAt !== undefined && sentAt >= this.eventSentAt) {
      this.acceptedSinceEvent++;
      this.sentSinceEvent.push(sentAt);
      if (this.sentSinceEvent.length > this.t.maxReplay) {
        this.sentSinceEvent = this.sentSinceEvent.slice(this.t.maxReplay / 2);
        this.replayTruncated = true;
      }
    }
    this.recent.push(now);
    if (this.recent.length > 256 && this.recent[0] < now - this.t.windowMs)
      this.recent = this.recent.filter((t) => t >= now - this.t.windowMs);
  }

  /**
   * Whether a 429 of a request sent after the last cut is a new throttle event. Not when it asks for
   * no pause ("Retry-After: 0"), not within cutGapMs (or a round trip) of the last cut; after a measured cut, not before
   * minAnswers answers show what it did, and not when it did not lower the share of 429s (429s that
   * do not follow the pace are faults, not a limit: cutting further would only slow the run down).
   */
  private shouldCut(now: number, fb: Feedback): boolean {
    if (fb.retryAfterMs === 0) return false;
    if (this.cutAt === -Infinity) return true;
    if (now - this.cutAt < Math.max(this.t.cutGapMs, this.roundTripMs)) return false;
    if (!this.measured) return true; // after a first guess the fast probe is meant to overshoot
    if (this.answersSinceCut < this.t.minAnswers) return false;
    const share = this.throttledSinceCut / this.answersSinceCut;
    // about the same share as before the cut: it did not help (a share that rose means the cut was too shallow)
    return !(share >= this.t.noiseShare && share >= this.t.noEffect * this.shareAtCut && share <= 2 * this.shareAtCut);
  }

  /** A throttle event: cut the pace (see the class comment). */
  private cut(now: number, sentAt: number): void {
    const current = this.rate(now);
    let next: number;
    const span = this.eventSentAt === undefined ? 0 : sentAt - this.eventSentAt;
    const acceptedWithin = (ms: number) => this.recent.filter((t) => t >= now - ms).length;
    if (span >= this.t.minSpanMs && this.acceptedSinceEvent >= 2 && this.burstGuess !== undefined) {
      // Two lower bounds of the tenant's rate R: the bucket was empty at both events, so what it accepted
      // in between is R × span (less while we sent below R and its bucket overflowed); and over the last
      // window it accepted at most R × window + its burst.
      const sinceEvent = (this.acceptedSinceEvent * 1000) / span;
      const windowMs = Math.min(this.t.windowMs, now - this.cutAt);
      const inWindow = ((acceptedWithin(windowMs) - this.burstGuess) * 1000) / windowMs;
      const replayed = this.replay(sentAt, current);
      next = this.t.measuredShare * Math.max(sinceEvent, inWindow, replayed);
      this.measured = true;
    } else {
      next = acceptedWithin(1000); // accepted over the last second: a low guess
      this.burstGuess ??= next;
      this.measured = false;
      // the pace we sent at just before the request that got the 429 (over minSpanMs): too fast
      const spanMs = Math.min(this.t.minSpanMs, sentAt - this.sentRecently[0]);
      const sending = spanMs > 0 ? (this.sentRecently.filter((t) => t > sentAt - spanMs && t <= sentAt).length * 1000) / spanMs : Infinity;
      this.fastCeiling = Math.max(next, sending);
    }
    if (current !== Infinity) next = Math.min(next, this.t.maxKeep * current);
    this.base = Math.max(this.t.minRate, next, this.measured ? this.t.floorShare * acceptedWithin(1000) : 0);
    this.cutAt = now;
    this.eventSentAt = sentAt;
    this.acceptedSinceEvent = 0;
    this.sentSinceEvent = [];
    this.replayTruncated = false;
    this.shareAtCut = this.answersSinceCut ? this.throttledSinceCut / this.answersSinceCut : 1;
    this.answersSinceCut = 0;
    this.throttledSinceCut = 0;
    this.cuts++;
    this.onCut?.({ at: now, from: current, to: this.base, measured: this.measured });
  }

  /**
   * The highest tenant rate R consistent with what happened since the last event: replaying a bucket
   * of `burstGuess` tokens, empty at the last event, refilled at R and drained by every accepted
   * request at its send time, must hold less than one token when the request of this event was sent.
   * (A burst guess above the real one gives a lower R: the error is on the safe side.)
   */
  private replay(sentAt: number, current: number): number {
    const sends = [...this.sentSinceEvent].sort((a, b) => a - b);
    const burst = this.burstGuess ?? 1;
    const start = this.replayTruncated ? (sends[0] ?? sentAt) : this.eventSentAt!;
    const level = (rate: number): number => {
      let l = this.replayTruncated ? burst : 0;
      let t = start;
      for (const s of sends) {
        l = Math.min(burst, l + (rate * (s - t)) / 1000);
        t = s;
        l = Math.max(0, l - 1);
      }
      return Math.min(burst, l + (rate * (sentAt - t)) / 1000);
    };
    let lo: number = this.t.minRate;
    let hi = current === Infinity ? 10_000 : Math.max(lo, current * 2);
    if (level(lo) >= 1) return 0; // nothing consistent: leave it to the other estimates
    if (level(hi) < 1) return hi;
    for (let i = 0; i < 30; i++) {
      const mid = (lo + hi) / 2;
      if (level(mid) < 1) lo = mid;
      else hi = mid;
    }
    return lo;
  }
}
