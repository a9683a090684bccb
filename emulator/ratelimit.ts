/**
 * The `rateLimit` knob: one token bucket in front of every route, the way API gateways limit a
 * tenant. The bucket holds at most `burst` tokens and refills continuously at `perSec`; each request
 * takes one token when it arrives. A request that finds less than one token is answered 429 with
 * `Retry-After` in whole seconds, rounded up and at least 1 (the form gateways send).
 *
 * Veza's API guide documents no rate-limit headers, so every form below is opt-in (`rateLimitHeaders`,
 * default "none"), modelling a gateway in front of the tenant. With it on, every answer also carries the
 * bucket's state:
 * - "x-ratelimit": `X-RateLimit-Limit` (requests per second), `X-RateLimit-Remaining` (whole tokens
 *   left), `X-RateLimit-Reset` (seconds until the bucket is full again, rounded up);
 * - "ratelimit": the same as `RateLimit-Limit/Remaining/Reset` (IETF draft-ietf-httpapi-ratelimit-headers
 *   up to -07) plus `RateLimit-Policy: <perSec>;w=1;burst=<burst>`;
 * - "ratelimit-structured": the draft from -08 on, structured fields:
 *   `RateLimit: "bucket";r=<remaining>;t=<reset>` and `RateLimit-Policy: "bucket";q=<perSec>;w=1`.
 */
import type { EmulatorKnobs, RateLimitKnob } from "./knobs";

export interface BucketVerdict {
  /** true: the request may go on; false: answer 429. */
  allowed: boolean;
  /** Whole seconds (>= 1) until a token is free; set when not allowed. */
  retryAfterS?: number;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Whole seconds (rounded up) until the bucket is full again. */
  resetS: number;
}

export class TokenBucket {
  private tokens: number;
  private at: number;

  /** `now` in ms (any monotonic origin); the bucket starts full. */
  constructor(
    readonly knob: RateLimitKnob,
    now: number,
  ) {
    this.tokens = knob.burst;
    this.at = now;
  }

  /** Takes one token for a request arriving at `now` (ms), or says how long until one is free. */
  take(now: number): BucketVerdict {
    const { perSec, burst } = this.knob;
    if (now > this.at) {
      this.tokens = Math.min(burst, this.tokens + ((now - this.at) / 1000) * perSec);
      this.at = now;
    }
    const allowed = this.tokens >= 1;
    if (allowed) this.tokens -= 1;
    const resetS = Math.ceil(Math.max(0, burst - this.tokens) / perSec - 1e-9);
    if (allowed) return { allowed, remaining: Math.floor(this.tokens), resetS };
    const retryAfterS = Math.max(1, Math.ceil((1 - this.tokens) / perSec));
    return { allowed, retryAfterS, remaining: 0, resetS };
  }
}

/** The headers of `rateLimitHeaders` for one verdict (none when the knob is "none"). */
export function rateLimitHeaders(knobs: Pick<EmulatorKnobs, "rateLimit" | "rateLimitHeaders">, v: BucketVerdict): Record<string, string> {
  const rl = knobs.rateLimit;
  if (!rl || knobs.rateLimitHeaders === "none") return {};
  if (knobs.rateLimitHeaders === "ratelimit-structured") {
    return { ratelimit: `"bucket";r=${v.remaining};t=${v.resetS}`, "ratelimit-policy": `"bucket";q=${rl.perSec};w=1` };
  }
  const prefix = knobs.rateLimitHeaders === "x-ratelimit" ? "x-ratelimit" : "ratelimit";
  const out: Record<string, string> = {
    [`${prefix}-limit`]: String(rl.perSec),
    [`${prefix}-remaining`]: String(v.remaining),
    [`${prefix}-reset`]: String(v.resetS),
  };
  if (knobs.rateLimitHeaders === "ratelimit") out["ratelimit-policy"] = `${rl.perSec};w=1;burst=${rl.burst}`;
  return out;
}

/** Holds the server's bucket; a changed `rateLimit` knob starts a new, full bucket. */
export class RateGate {
  private bucket?: TokenBucket;

  /** undefined when the knob is off. */
  check(knobs: EmulatorKnobs, now: number): BucketVerdict | undefined {
    const rl = knobs.rateLimit;
    if (!rl) {
      this.bucket = undefined;
      return undefined;
    }
    if (!this.bucket || this.bucket.knob.perSec !== rl.perSec || this.bucket.knob.burst !== rl.burst)
      this.bucket = new TokenBucket(rl, now);
    return this.bucket.take(now);
  }
}

/** "25" or "25/10" (per second / burst; the burst defaults to the per-second figure, at least 1); "off" or "" is null. */
export function parseRateLimit(text: string): RateLimitKnob | null {
  const t = text.trim();
  if (t === "" || t === "off" || t === "0") return null;
  const m = /^(\d+(?:\.\d+)?)(?:\/(\d+(?:\.\d+)?))?$/.exec(t);
  if (!m) throw new Error(`rate limit must be PERSEC or PERSEC/BURST (e.g. 25/10), got "${text}"`);
  const perSec = Number(m[1]);
  const burst = m[2] !== undefined ? Number(m[2]) : Math.max(1, perSec);
  if (!(perSec > 0) || !(burst >= 1)) throw new Error(`rate limit needs PERSEC > 0 and BURST >= 1, got "${text}"`);
  return { perSec, burst };
}
