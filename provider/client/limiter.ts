/**
 * The pacing controller of a tenant: one scheduler that lets a request start when both estimators of
 * ./estimator.ts allow it — fewer requests in flight than the concurrency window (AIMD with slow start,
 * never above `veza:maxConcurrency`) and the send pace (learnt from 429s, never above
 * `veza:maxRequestsPerSecond`) — and no gate is closed:
 * - a `Retry-After` longer than `quotaRetryAfterMs` holds every request (a spent quota);
 * - a tenant that sends rate-limit headers: the mirror of its quota (./quota.ts) lets a request start only
 *   while the quota keeps some in hand;
 * - retries of 429s wait for one shared gate (the latest Retry-After, or the client's backoff when none
 *   came) and then go first, one by one at the pace: retries that wake together do not collide again.
 *
 * Not adaptive (`veza:adaptivePacing false`): a plain counting semaphore of `maxConcurrency`, paced only
 * by `veza:maxRequestsPerSecond`; each retry sleeps on its own.
 *
 * The scheduler holds the queue, the gates and the one timer; the estimators hold no clock and no timer.
 * One controller per tenant per process (`Pacers`), since the tenant's limit is per tenant.
 */
import { DEFAULT_MAX_CONCURRENCY } from "../config";
import { ConcurrencyWindow, RateEstimator, type Cut, type Feedback, type Sample } from "./estimator";
import { DEFAULT_PACING_TUNING, withTuning, type PacingTuning } from "./tuning";

import { QuotaMirror } from "./quota";

export type { Feedback } from "./estimator";
export { rateLimitFeedback } from "./quota";

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

export interface PacerOptions {
  /** `veza:maxConcurrency`: requests in flight, never exceeded (default 64). */
  maxConcurrency?: number;
  /** `veza:adaptivePacing`: adapt the window and the pace to the tenant's answers (default true). */
  adaptive?: boolean;
  /** `veza:maxRequestsPerSecond`: a fixed ceiling on the pace (default none). */
  maxRate?: number;
  clock?: Clock;
  /** Called at every cut of the pace (logs, tests). */
  onCut?: (c: Cut) => void;
  /** The controller's figures (default `DEFAULT_PACING_TUNING`; tests and benches override some). */
  tuning?: Partial<PacingTuning>;
}

export interface Ticket {
  readonly startedAt: number;
}

interface Waiter {
  resolve: (t: Ticket) => void;
}

export class Pacer {
  private readonly adaptive: boolean;
  private readonly clock: Clock;
  readonly tuning: PacingTuning;
  readonly window: ConcurrencyWindow;
  readonly pace: RateEstimator;
  /** The tenant's quota as its rate-limit headers tell it (inactive until an answer carries `Remaining`). */
  readonly quota: QuotaMirror;
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

  /** Counters for tests, logs and benchmarks; `peak`: most requests in flight at once so far. */
  readonly counters = { started: 0, gates: 0, peak: 0 };

  constructor(o: PacerOptions = {}) {
    const ceiling = Math.max(1, o.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY);
    this.adaptive = o.adaptive ?? true;
    this.clock = o.clock ?? realClock;
    this.tuning = withTuning(DEFAULT_PACING_TUNING, o.tuning, "pacing tuning");
    this.window = new ConcurrencyWindow(ceiling, this.adaptive, this.tuning);
    this.pace = new RateEstimator(o.maxRate ?? 0, this.adaptive, o.onCut, this.tuning);
    this.quota = new QuotaMirror(this.tuning);
  }

  /** The pace in force now, requests per second (Infinity: unpaced): the 429-learnt one, or a rate-limit policy's. */
  rate(): number {
    return Math.min(this.pace.rate(this.clock.now()), this.adaptive ? this.quota.pace : Infinity);
  }

  /**
   * Runs `fn` in a request slot. `feedback` reads what its result told about the tenant;
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
    if (fb) {
      const now = this.clock.now();
      const sample: Sample = { sentAt: ticket.startedAt, now, inFlight: this.active, pace: this.pace.rate(now), feedback: fb };
      this.window.observe(sample);
      sample.roundTripMs = this.window.typicalMs();
      const cuts = this.pace.cuts;
      this.pace.observe(sample);
      if (this.adaptive) this.quota.observe(sample.sentAt, fb.status, fb);
      // a cut starts the new pace now: the next request waits one interval of it, and the window fits it
      if (this.pace.cuts > cuts) {
        const rate = this.pace.rate(sample.now);
        this.nextAt = sample.now + 1000 / rate;
        this.window.fitToPace(rate, sample.now);
      }
    }
    this.active--;
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
      if (waitMs > this.tuning.quotaRetryAfterMs) this.hold(until);
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

  private pump(): void {
    while (this.active < this.window.limit) {
      const now = this.clock.now();
      const retryDue = this.retries.length > 0 && now >= this.retryGateUntil;
      const queue = retryDue ? this.retries : this.fresh.length ? this.fresh : undefined;
      if (!queue) {
        if (this.retries.length) this.wake(this.retryGateUntil);
        return;
      }
      const rate = Math.min(this.pace.rate(now), this.window.spreadRate(), this.adaptive ? this.quota.pace : Infinity);
      const interval = rate === Infinity ? 0 : 1000 / rate;
      const startAt = Math.max(this.gateUntil, interval ? this.nextAt : -Infinity, this.adaptive ? this.quota.startAt(now) : -Infinity);
      if (startAt > now) {
        this.wake(startAt);
        return;
      }
      const w = queue.shift()!;
      if (interval) this.nextAt = Math.max(this.nextAt, now - interval) + interval;
      this.active++;
      this.quota.started(now);
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
    this.timer = this.clock.setTimer(
      () => {
        this.timer = undefined;
        this.timerAt = Infinity;
        this.pump();
      },
      Math.max(0, at - this.clock.now()),
    );
  }
}

/**
 * The controllers of a process, one per tenant and pacing settings: every client of a tenant shares
 * its controller (the tenant's limit is per tenant), and settings never change under a running one (a
 * client with other settings gets its own, instead of the last one configured winning).
 */
export class Pacers {
  private readonly byKey = new Map<string, Pacer>();

  /** `clock` and `tuning`: for every controller of these (tests). */
  constructor(
    private readonly clock?: Clock,
    private readonly tuning?: Partial<PacingTuning>,
  ) {}

  for(origin: string, o: Omit<PacerOptions, "clock" | "onCut" | "tuning">): Pacer {
    const key = JSON.stringify([origin, o.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY, o.adaptive ?? true, o.maxRate ?? 0]);
    let p = this.byKey.get(key);
    if (!p) this.byKey.set(key, (p = new Pacer({ ...o, clock: this.clock, tuning: this.tuning })));
    return p;
  }
}

/** The controllers of this process, for clients not given others (export, lookups, a program-side call). */
export const processPacers = new Pacers();
