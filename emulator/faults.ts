/** Fault injection: per-request fault decisions, drawn from the seeded PRNG so a run is reproducible, and the knobs that end or refuse requests. */
import { ApiError, Code } from "./errors";
import { mulberry32, type EmulatorKnobs } from "./knobs";
import { RateGate, type BucketVerdict } from "./ratelimit";

export interface FaultDecision {
  /** never answer */
  hang: boolean;
  /** answer 429 (with Retry-After when `retryAfter`) */
  rateLimit: boolean;
  retryAfter: boolean;
  /** answer 503 */
  unavailable: boolean;
  /** POST only: commit, then destroy the socket without answering */
  ambiguous: boolean;
}

/** Always draws five numbers, so one knob's value does not shift the others' sequence. */
export function decideFaults(knobs: EmulatorKnobs, rng: () => number, method: string): FaultDecision {
  const [a, b, c, d, e] = [rng(), rng(), rng(), rng(), rng()];
  const hang = a < knobs.hangRate;
  const rateLimit = !hang && b < knobs.rate429;
  const unavailable = !hang && !rateLimit && d < knobs.rate503;
  const ambiguous = !hang && !rateLimit && !unavailable && method === "POST" && e < knobs.ambiguousPostRate;
  return { hang, rateLimit, retryAfter: rateLimit && c < knobs.retryAfterFraction, unavailable, ambiguous };
}

/** What the fault knobs make of a request that passed authentication: an answer instead of the route's, or none. */
export type Injected =
  | { kind: "none"; ambiguous: boolean }
  | { kind: "hang" }
  | { kind: "rateLimited" | "429" | "503"; error: ApiError; headers: Record<string, string> };

/**
 * The fault knobs on a server: server death (failAfterRequests), token expiry
 * (invalidTokenAfterRequests), the gateway's token bucket (rateLimit) and the random faults
 * (hang, 429, 503, ambiguous POSTs), drawn from a PRNG seeded once so a run is reproducible.
 */
export class FaultInjector {
  private readonly rng: () => number;
  private readonly gate = new RateGate();
  /** Set by failAfterRequests: every request from then on is dropped. */
  dead = false;

  constructor(seed: number) {
    this.rng = mulberry32(seed);
  }

  /** True when the server is (now) dead: the request is dropped without an answer. */
  serverDies(knobs: EmulatorKnobs, requestCount: number): boolean {
    if (knobs.failAfterRequests > 0 && requestCount > knobs.failAfterRequests) this.dead = true;
    return this.dead;
  }

  /** The token bucket, charged when the request arrives (undefined when the knob is off). */
  charge(knobs: EmulatorKnobs, now: number): BucketVerdict | undefined {
    return this.gate.check(knobs, now);
  }

  tokenExpired(knobs: EmulatorKnobs, requestCount: number): boolean {
    return knobs.invalidTokenAfterRequests > 0 && requestCount > knobs.invalidTokenAfterRequests;
  }

  /** After authentication: the bucket's 429 first (`rlHeaders`: its headers), then the random faults. */
  inject(knobs: EmulatorKnobs, method: string, bucket: BucketVerdict | undefined, rlHeaders: Record<string, string>): Injected {
    if (bucket && !bucket.allowed) {
      return {
        kind: "rateLimited",
        error: new ApiError(Code.RESOURCE_EXHAUSTED, "rate limit exceeded"),
        headers: { "retry-after": String(bucket.retryAfterS), ...rlHeaders },
      };
    }
    const fault = decideFaults(knobs, this.rng, method);
    if (fault.hang) return { kind: "hang" };
    if (fault.rateLimit)
      return {
        kind: "429",
        error: new ApiError(Code.RESOURCE_EXHAUSTED, "rate limited"),
        headers: fault.retryAfter ? { "retry-after": knobs.retryAfter } : {},
      };
    if (fault.unavailable) return { kind: "503", error: new ApiError(Code.UNAVAILABLE, "service unavailable"), headers: {} };
    return { kind: "none", ambiguous: fault.ambiguous };
  }
}
