/**
 * The one request limiter of a provider process: at most `maxConcurrency` requests in flight, and —
 * in adaptive mode, the default — a send pace that follows what the tenant answers.
 *
 * How it finds the tenant's pace (a tenant limits with a token bucket: a burst, then a steady rate R):
 * - Unpaced until the first 429, so a tenant that does not limit sees exactly the fixed cap.
 * - A 429 for a request sent after the last cut is a new "throttle event": the pace is cut. The first
 *   cut has no clean measurement yet, so it falls to what the tenant accepted over the last second (a
 *   low guess) and then doubles every 150 ms until the next event. From then on each cut is measured:
 *   the tenant's bucket was empty at both events, so the requests it accepted in between, divided by
 *   the time between them, is R (lower when we sent below R for a while: never too high). The pace
 *   goes to 95 % of that and then probes upwards slowly, faster the longer no 429 comes (+3 % after
 *   1 s, +12 % after 2 s, +27 % after 3 s, then doubling every second): a risen limit is found within
 *   seconds, a steady one costs a 429 or two every few seconds. 429s of requests sent before a cut belong to that cut's event.
 * - `RateLimit-Policy` (`<q>;w=<s>`) caps the pace at q/s; a `Remaining` of 0 on a success holds every
 *   request until its `Reset`; a `Retry-After` longer than one second (a quota, not a short refill) holds
 *   every request for that long.
 * - Retries of 429s wait for one shared gate (the latest Retry-After, or the client's backoff when none
 *   came) and then go first, one by one at the pace: retries that wake together do not collide again.
 * - `veza:maxRequestsPerSecond` caps the pace in both modes.
 *
 * Not adaptive (`veza:adaptivePacing false`): the plain counting semaphore of earlier releases; each
 * retry sleeps on its own.
 *
 * Libraries considered: p-queue, p-throttle and p-limit are ESM-only (this package compiles to
 * CommonJS); bottleneck works in CommonJS but is unmaintained since 2019 and paces at a fixed
 * `minTime`/reservoir; limiter is a fixed-rate token bucket; @smithy/util-retry's adaptive
 * DefaultRateLimiter (CUBIC) is tied to AWS's error classification, reads the wall clock itself
 * (no fake clock for tests), has no concurrency cap, ignores Retry-After and lets every waiter sleep on
 * its own. None adapts to 429s the way this needs, so it is written here (~250 lines).
 */

/** Time source and timers (a fake one in tests). */
export interface Clock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** What one answer told about the tenant's limit. */
export interface Feedback {
  /** HTTP status; 0 or absent: no answer (network failure). */
  status?: number;
  /** `Retry-After`, in ms. */
  retryAfterMs?: number;
  /** From `RateLimit-Policy` / `X-RateLimit-Policy`: `limit` requests per `windowMs`. */
  limit?: number;
  windowMs?: number;
  /** From `X-RateLimit-Remaining` / `RateLimit-Remaining`. */
  remaining?: number;
  /** From `X-RateLimit-Reset` / `RateLimit-Reset`, in ms from now. */
  resetMs?: number;
}

export interface LimiterOptions {
  /** Requests in flight, never exceeded (default 8). */
  maxConcurrency?: number;
  /** Adapt the pace to the tenant's answers (default true). */
  adaptive?: boolean;
  /** A fixed ceiling on requests per second (default none). */
  maxRate?: number;
  clock?: Clock;
  /** Called at every cut of the pace (logs, tests). */
  onCut?: (e: { at: number; from: number; to: number; measured: boolean }) => void;
}

export interface Ticket {
  readonly startedAt: number;
}

interface Waiter {
  resolve: (t: Ticket) => void;
}

/** Lowest pace the cuts go to, requests per second. */
const MIN_RATE = 0.5;
/** Share of the measured tenant rate the pace returns to after a measured cut. */
const MEASURED_SHARE = 0.95;
/** A cut is at least this deep relative to the pace that got the 429. */
const MAX_KEEP = 0.9;
/** Slow probe after a measured cut: pace × (1 + PROBE_K × seconds²), doubling each second after PROBE_PATIENCE_S. */
const PROBE_K = 0.03;
const PROBE_PATIENCE_S = 3;
/** Fast probe after an unmeasured cut: the pace doubles every this many ms. */
const DOUBLING_MS = 150;
/** Send times kept for the replay of the tenant's bucket. */
const MAX_REPLAY = 20_000;
/** The window of the second estimate at a cut, ms. */
const WINDOW_MS = 2000;
/** Least time between two cuts, ms (429s that do not follow the pace, e.g. random ones, cannot cut it to nothing at once). */
const CUT_GAP_MS = 300;
/** Answers of requests sent after a cut needed before the next cut. */
const MIN_ANSWERS = 10;
/** A 429 share at least this high, and between NO_EFFECT × and 2 × the share before the last cut: the cut did not help. */
const NOISE_SHARE = 0.1;
const NO_EFFECT = 0.8;
/** A cut never goes below this share of what the tenant accepted over the last second. */
const FLOOR_SHARE = 0.5;
/** Shortest span between two events that counts as a measurement, ms. */
const MIN_SPAN_MS = 200;
/** A Retry-After longer than this holds every request, not only the retries (ms). */
const QUOTA_RETRY_AFTER_MS = 1000;
/** Above this the pace is treated as unpaced. */
const UNPACED = 1e6;

export class Limiter {
  private cap: number;
  private adaptive: boolean;
  private maxRate: number;
  private readonly clock: Clock;
  private readonly onCut?: LimiterOptions["onCut"];
  private active = 0;
  private readonly fresh: Waiter[] = [];
  private readonly retries: Waiter[] = [];
  private timer: unknown;
  private timerAt = Infinity;

  /** No request starts before this (a quota-style Retry-After, or Remaining 0 until Reset). */
  private gateUntil = -Infinity;
  /** Retries of 429s start no earlier than this. */
  private retryGateUntil = -Infinity;
  /** The next request starts no earlier than this (pacing). */
  private nextAt = -Infinity;

  /** The pace right after the last cut (Infinity: never cut). */
  private base = Infinity;
  /** Whether `base` is a measurement (slow probe) or a guess (fast probe). */
  private measured = false;
  /** When the last cut happened, and when the request that triggered it was sent. */
  private cutAt = -Infinity;
  private eventSentAt?: number;
  /** Accepted answers of requests sent since `eventSentAt`. */
  private acceptedSinceEvent = 0;
  /** When those requests were sent (at most MAX_REPLAY; the oldest are dropped). */
  private sentSinceEvent: number[] = [];
  private replayTruncated = false;
  /** Answers (and 429s among them) of requests sent since the last cut, and the 429 share that led to it. */
  private answersSinceCut = 0;
  private throttledSinceCut = 0;
  private shareAtCut = 0;
  /** When recent accepted answers arrived (last WINDOW_MS). */
  private recent: number[] = [];
  /** What the first cut saw accepted in its last second: at least the tenant's burst. */
  private burstGuess?: number;
  /** Pace ceiling from `RateLimit-Policy`. */
  private policyRate = Infinity;

  /** Counters for tests, logs and benchmarks; `peak`: most requests in flight at once so far (the cap's test). */
  readonly counters = { started: 0, throttled: 0, cuts: 0, gates: 0, peak: 0 };

  constructor(options: LimiterOptions | number = {}) {
    const o = typeof options === "number" ? { maxConcurrency: options } : options;
    this.cap = Math.max(1, o.maxConcurrency ?? 8);
    this.adaptive = o.adaptive ?? true;
    this.maxRate = o.maxRate && o.maxRate > 0 ? o.maxRate : Infinity;
    this.clock = o.clock ?? realClock;
    this.onCut = o.onCut;
  }

  get isAdaptive(): boolean {
    return this.adaptive;
  }

  get inFlight(): number {
    return this.active;
  }

  get waiting(): number {
    return this.fresh.length + this.retries.length;
  }

  /** The pace in force now, requests per second (Infinity: unpaced). */
  rate(now = this.clock.now()): number {
    let r = Math.min(this.maxRate, this.policyRate);
    if (this.adaptive && this.base !== Infinity) {
      const s = Math.max(0, now - this.cutAt) / 1000;
      const grown = this.measured
        ? this.base * (1 + PROBE_K * s * s) * 2 ** Math.max(0, s - PROBE_PATIENCE_S)
        : this.base * 2 ** ((s * 1000) / DOUBLING_MS);
      r = Math.min(r, grown);
    }
    return r >= UNPACED ? Infinity : r;
  }

  setLimit(limit: number): void {
    this.cap = Math.max(1, limit);
    this.pump();
  }

  /** Changes the settings of a running limiter (the process's settings were read again). */
  configure(o: Omit<LimiterOptions, "clock">): void {
    if (o.maxConcurrency !== undefined) this.cap = Math.max(1, o.maxConcurrency);
    if (o.adaptive !== undefined) this.adaptive = o.adaptive;
    if (o.maxRate !== undefined) this.maxRate = o.maxRate > 0 ? o.maxRate : Infinity;
    this.pump();
  }

  /**
   * Runs `fn` in a request slot. `feedback` reads what its result told about the tenant's limit;
   * `retry` puts a retry of a 429 behind the shared retry gate and ahead of fresh requests.
   */
  async run<T>(fn: () => Promise<T>, feedback?: (result: T) => Feedback | undefined, opts: { retry?: boolean } = {}): Promise<T> {
    const ticket = await this.acquire(opts.retry ?? false);
    let fb: Feedback | undefined;
    try {
      const result = await fn();
      fb = feedback?.(result);
      return result;
    } finally {
      this.release(ticket, fb);
    }
  }

  acquire(retry = false): Promise<Ticket> {
    return new Promise((resolve) => {
      (retry && this.adaptive ? this.retries : this.fresh).push({ resolve });
      this.pump();
    });
  }

  release(ticket: Ticket, fb?: Feedback): void {
    this.active--;
    if (fb) this.observe(ticket, fb);
    this.pump();
  }

  /**
   * Waits before the next attempt of a call whose attempt failed with `status`, `waitMs` being the
   * Retry-After or the backoff. Adaptive: a 429 moves the shared retry gate and returns at once (the
   * retry's slot waits for the gate); anything else sleeps here. Not adaptive: sleeps.
   */
  async backoff(waitMs: number, status?: number): Promise<void> {
    if (this.adaptive && status === 429) {
      const until = this.clock.now() + Math.max(0, waitMs);
      this.retryGateUntil = Math.max(this.retryGateUntil, until);
      if (waitMs > QUOTA_RETRY_AFTER_MS) this.hold(until);
      return;
    }
    if (waitMs > 0) await new Promise<void>((resolve) => this.clock.setTimer(resolve, waitMs));
  }

  private hold(until: number): void {
    if (until > this.gateUntil) {
      this.gateUntil = until;
      this.counters.gates++;
    }
  }

  private observe(ticket: Ticket, fb: Feedback): void {
    if (!this.adaptive) return;
    const now = this.clock.now();
    if (fb.limit !== undefined && fb.windowMs && fb.limit > 0) this.policyRate = (fb.limit * 1000) / fb.windowMs;
    if (!fb.status) return; // no answer: says nothing about the rate
    const afterCut = ticket.startedAt > this.cutAt;
    if (afterCut) this.answersSinceCut++;
    if (fb.status === 429) {
      this.counters.throttled++;
      if (afterCut) this.throttledSinceCut++;
      if (this.shouldCut(now, fb)) this.cut(now, ticket.startedAt);
      return;
    }
    if (this.eventSentAt !== undefined && ticket.startedAt >= this.eventSentAt) {
      this.acceptedSinceEvent++;
      this.sentSinceEvent.push(ticket.startedAt);
      if (this.sentSinceEvent.length > MAX_REPLAY) {
        this.sentSinceEvent = this.sentSinceEvent.slice(MAX_REPLAY / 2);
        this.replayTruncated = true;
      }
    }
    this.recent.push(now);
    if (this.recent.length > 256 && this.recent[0] < now - WINDOW_MS) this.recent = this.recent.filter((t) => t >= now - WINDOW_MS);
    if (fb.remaining !== undefined && fb.remaining < 1 && fb.resetMs !== undefined && fb.resetMs > 0) {
      // the tenant's quota is spent: wait for one token at the policy's rate when known, else for its reset
      this.hold(now + (this.policyRate !== Infinity ? Math.min(fb.resetMs, 1000 / this.policyRate) : fb.resetMs));
    }
  }

  /**
   * Whether a 429 of a request sent after the last cut is a new throttle event. Not when it asks for
   * no pause ("Retry-After: 0"), not within CUT_GAP_MS of the last cut; after a measured cut, not before
   * MIN_ANSWERS answers show what it did, and not when it did not lower the share of 429s (429s that
   * do not follow the pace are faults, not a limit: cutting further would only slow the run down).
   */
  private shouldCut(now: number, fb: Feedback): boolean {
    if (fb.retryAfterMs === 0) return false;
    if (this.cutAt === -Infinity) return true;
    if (now - this.cutAt < CUT_GAP_MS) return false;
    if (!this.measured) return true; // after a first guess the fast probe is meant to overshoot
    if (this.answersSinceCut < MIN_ANSWERS) return false;
    const share = this.throttledSinceCut / this.answersSinceCut;
    // about the same share as before the cut: it did not help (a share that rose means the cut was too shallow)
    return !(share >= NOISE_SHARE && share >= NO_EFFECT * this.shareAtCut && share <= 2 * this.shareAtCut);
  }

  /** A throttle event: cut the pace (see the file comment). */
  private cut(now: number, sentAt: number): void {
    const current = this.rate(now);
    let next: number;
    const span = this.eventSentAt === undefined ? 0 : sentAt - this.eventSentAt;
    const acceptedWithin = (ms: number) => this.recent.filter((t) => t >= now - ms).length;
    if (span >= MIN_SPAN_MS && this.acceptedSinceEvent >= 2 && this.burstGuess !== undefined) {
      // Two lower bounds of the tenant's rate R: the bucket was empty at both events, so what it accepted
      // in between is R × span (less while we sent below R and its bucket overflowed); and over the last
      // window it accepted at most R × window + its burst.
      const sinceEvent = (this.acceptedSinceEvent * 1000) / span;
      const windowMs = Math.min(WINDOW_MS, now - this.cutAt);
      const inWindow = ((acceptedWithin(windowMs) - this.burstGuess) * 1000) / windowMs;
      const replayed = this.replay(sentAt, current);
      next = MEASURED_SHARE * Math.max(sinceEvent, inWindow, replayed);
      this.measured = true;
    } else {
      next = acceptedWithin(1000); // accepted over the last second: a low guess
      this.burstGuess ??= next;
      this.measured = false;
    }
    if (current !== Infinity) next = Math.min(next, MAX_KEEP * current);
    this.base = Math.max(MIN_RATE, next, this.measured ? FLOOR_SHARE * acceptedWithin(1000) : 0);
    this.cutAt = now;
    this.eventSentAt = sentAt;
    this.acceptedSinceEvent = 0;
    this.sentSinceEvent = [];
    this.replayTruncated = false;
    this.shareAtCut = this.answersSinceCut ? this.throttledSinceCut / this.answersSinceCut : 1;
    this.answersSinceCut = 0;
    this.throttledSinceCut = 0;
    this.nextAt = now + 1000 / this.base;
    this.counters.cuts++;
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
    const start = this.replayTruncated ? sends[0] ?? sentAt : this.eventSentAt!;
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
    let lo = MIN_RATE;
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

  private pump(): void {
    while (this.active < this.cap) {
      const now = this.clock.now();
      const retryDue = this.retries.length > 0 && now >= this.retryGateUntil;
      const queue = retryDue ? this.retries : this.fresh.length ? this.fresh : undefined;
      if (!queue) {
        if (this.retries.length) this.wake(this.retryGateUntil);
        return;
      }
      const rate = this.rate(now);
      const interval = rate === Infinity ? 0 : 1000 / rate;
      const startAt = Math.max(this.gateUntil, interval ? this.nextAt : -Infinity);
      if (startAt > now) {
        this.wake(startAt);
        return;
      }
      const w = queue.shift()!;
      if (interval) this.nextAt = Math.max(this.nextAt, now - interval) + interval;
      this.active++;
      this.counters.started++;
      if (this.active > this.counters.peak) this.counters.peak = this.active;
      w.resolve({ startedAt: now });
    }
  }

  /** One timer, at the earliest time something may start. */
  private wake(at: number): void {
    if (this.timer !== undefined && this.timerAt <= at) return;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timerAt = at;
    this.timer = this.clock.setTimer(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(0, at - this.clock.now()));
  }
}

/** Reads the rate-limit headers of an answer (any of X-RateLimit-*, RateLimit-*, RateLimit-Policy). */
export function rateLimitFeedback(headers: Record<string, string | string[] | undefined>, nowEpochMs = Date.now()): Omit<Feedback, "status" | "retryAfterMs"> {
  const h = (name: string): string | undefined => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const num = (v: string | undefined): number | undefined => {
    const m = v === undefined ? null : /^\s*(\d+(?:\.\d+)?)/.exec(v);
    return m ? Number(m[1]) : undefined;
  };
  const out: Omit<Feedback, "status" | "retryAfterMs"> = {};
  const remaining = num(h("x-ratelimit-remaining") ?? h("ratelimit-remaining"));
  if (remaining !== undefined) out.remaining = remaining;
  const reset = num(h("x-ratelimit-reset") ?? h("ratelimit-reset"));
  // a large figure is an epoch time in seconds (GitHub, Okta), a small one seconds from now
  if (reset !== undefined) out.resetMs = reset > 1e9 ? Math.max(0, reset * 1000 - nowEpochMs) : reset * 1000;
  const policy = h("ratelimit-policy") ?? h("x-ratelimit-policy");
  const m = policy === undefined ? null : /^\s*(\d+(?:\.\d+)?)\s*;\s*w=(\d+(?:\.\d+)?)/.exec(policy);
  if (m && Number(m[2]) > 0) {
    out.limit = Number(m[1]);
    out.windowMs = Number(m[2]) * 1000;
  }
  return out;
}

let shared: Limiter | undefined;

/** The one limiter of this process, shared by every client and resource. */
export function processLimiter(limit: number, o: { adaptive?: boolean; maxRate?: number } = {}): Limiter {
  if (!shared) shared = new Limiter({ maxConcurrency: limit, ...o });
  else shared.configure({ maxConcurrency: limit, ...o });
  return shared;
}
