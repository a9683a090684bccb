/**
 * What a tenant's rate-limit headers say, and a mirror of its quota built from them, so that a tenant
 * that sends them is paced without a 429 (the pacer's third estimator, beside ./estimator.ts; like them
 * it reads no clock and sets no timer).
 *
 * Header forms read (Veza's API guide documents none: each is an assumption about a gateway in front):
 * - `X-RateLimit-Limit` / `-Remaining` / `-Reset` (GitHub, Okta, most gateways; `Reset` in seconds from
 *   now, or an epoch time in seconds when it is large);
 * - `RateLimit-Limit` / `-Remaining` / `-Reset` and `RateLimit-Policy: 10;w=1` (IETF
 *   draft-ietf-httpapi-ratelimit-headers up to -07; a policy may also sit in `RateLimit-Limit: 10, 10;w=1`);
 * - `RateLimit: "name";r=5;t=3` and `RateLimit-Policy: "name";q=10;w=1` (the draft from -08 on, structured
 *   fields), and -07's `RateLimit: limit=10, remaining=5, reset=3`.
 *
 * The mirror: each answer tells how many requests the tenant had left (`Remaining`) when that request
 * arrived. Requests started after it have taken some of them since, and the tenant has refilled at its
 * rate R: predicted = Remaining + R × elapsed − started since. A request starts only while the prediction
 * keeps `quotaMargin` in hand (and, under a policy, the pace stays below its rate: `quotaShare`). R comes from the policy (q per w) when sent, else is measured from the
 * headers themselves: between two answers the tenant refilled what `Remaining` rose plus what it accepted
 * in between (the median of the last measurements; a fixed-window quota, which refills only at its reset,
 * measures 0 and is then spent evenly until `Reset`).
 */
import { DEFAULT_PACING_TUNING, type PacingTuning } from "./tuning";

/** What the rate-limit headers of one answer said (times in ms). */
export interface QuotaHeaders {
  /** A quota policy: `limit` requests per `windowMs` (the most restrictive one when several are sent). */
  limit?: number;
  windowMs?: number;
  /** Requests left in the quota when this request arrived. */
  remaining?: number;
  /** Time until the quota is whole again (or its window resets), in ms from the answer. */
  resetMs?: number;
}

type Headers = Record<string, string | string[] | undefined>;

/** Reads the rate-limit headers of an answer (every form named in the module comment). */
export function rateLimitFeedback(headers: Headers, nowEpochMs = Date.now()): QuotaHeaders {
  const h = (name: string): string | undefined => {
    const v = headers[name];
    return Array.isArray(v) ? v.join(", ") : v;
  };
  const out: QuotaHeaders = {};
  const policies: { limit: number; windowMs: number }[] = [];
  const addPolicy = (limit: number | undefined, windowS: number | undefined) => {
    if (limit !== undefined && windowS !== undefined && limit >= 0 && windowS > 0) policies.push({ limit, windowMs: windowS * 1000 });
  };

  // structured fields (draft -08 on): RateLimit: "name";r=5;t=3 and RateLimit-Policy: "name";q=10;w=1
  const structured = h("ratelimit");
  let remaining: number | undefined;
  let resetS: number | undefined;
  if (structured !== undefined) {
    const items = listItems(structured);
    if (items.some((i) => i.params.r !== undefined)) {
      // several quotas: the one with the least left binds
      for (const i of items) {
        const r = i.params.r;
        if (r !== undefined && (remaining === undefined || r < remaining)) {
          remaining = r;
          resetS = i.params.t;
        }
      }
    } else {
      // draft -07: RateLimit: limit=10, remaining=5, reset=3
      const kv = Object.fromEntries(structured.split(",").map((p) => p.split("=").map((x) => x.trim().toLowerCase())));
      remaining = num(kv.remaining);
      resetS = num(kv.reset);
    }
  }
  for (const name of ["ratelimit-policy", "x-ratelimit-policy"]) {
    const v = h(name);
    if (v === undefined) continue;
    for (const i of listItems(v)) addPolicy(i.params.q ?? i.value, i.params.w);
  }
  const limitHeader = h("ratelimit-limit") ?? h("x-ratelimit-limit");
  // draft -00 to -02: RateLimit-Limit: 10, 10;w=1 (the first item the limit, the rest policies)
  if (limitHeader !== undefined) for (const i of listItems(limitHeader)) addPolicy(i.value, i.params.w);

  remaining ??= num(h("x-ratelimit-remaining") ?? h("ratelimit-remaining"));
  resetS ??= num(h("x-ratelimit-reset") ?? h("ratelimit-reset"));
  if (remaining !== undefined) out.remaining = remaining;
  // a large figure is an epoch time in seconds (GitHub, Okta), a small one seconds from now
  if (resetS !== undefined) out.resetMs = resetS > 1e9 ? Math.max(0, resetS * 1000 - nowEpochMs) : resetS * 1000;
  if (policies.length) {
    const tightest = policies.reduce((a, b) => (b.limit / b.windowMs < a.limit / a.windowMs ? b : a));
    out.limit = tightest.limit;
    out.windowMs = tightest.windowMs;
  }
  return out;
}

/** A header value as a list of items: `value;key=number;...` separated by commas (names quoted or not). */
function listItems(v: string): { value?: number; params: Record<string, number | undefined> }[] {
  return v.split(",").map((item) => {
    const [first, ...params] = item.split(";").map((p) => p.trim());
    return {
      value: num(first),
      params: Object.fromEntries(params.map((p) => p.split("=").map((x) => x.trim())).map(([k, val]) => [k.toLowerCase(), num(val)])),
    };
  });
}

function num(v: string | undefined): number | undefined {
  const m = v === undefined ? null : /^\s*(\d+(?:\.\d+)?)\s*$/.exec(v);
  return m ? Number(m[1]) : undefined;
}

/** One answer that carried `Remaining`, or an accepted one (they take a token). */
interface Answer {
  sentAt: number;
  accepted: boolean;
  remaining?: number;
  resetMs?: number;
}

export class QuotaMirror {
  /** Answers of the last `windowMs`, by send time. */
  private answers: Answer[] = [];
  /** The answer with `Remaining` sent last: the freshest view of the tenant's quota. */
  private latest?: Answer;
  /** Start times of requests since `latest` was sent (they have taken from the quota since). */
  private starts: number[] = [];
  /** The most the tenant ever said was left: its bucket's size, less one. */
  private most = 0;
  /** Refill rates measured from the headers, requests per second, newest last. */
  private measured: number[] = [];
  private policyRate?: number;

  constructor(private readonly t: PacingTuning = DEFAULT_PACING_TUNING) {}

  /** The tenant's refill rate as the headers tell it (requests per second; 0: not known or a fixed window). */
  get rate(): number {
    if (this.policyRate !== undefined) return this.policyRate;
    if (this.measured.length < this.t.quotaSamples) return 0;
    const sorted = [...this.measured].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  }

  /**
   * The pace a policy allows, requests per second: `quotaShare` of its rate (the rest refills the bucket,
   * a margin for requests that reach the tenant closer together than they left); Infinity without a
   * policy (a measured rate is a lower bound already: the mirror alone holds the sending to it).
   */
  get pace(): number {
    return this.policyRate !== undefined ? this.policyRate * this.t.quotaShare : Infinity;
  }

  /** A request starts now. */
  started(now: number): void {
    if (this.latest) this.starts.push(now);
  }

  /** An answer came; `status` 0 or absent: no answer. */
  observe(sentAt: number, status: number | undefined, q: QuotaHeaders): void {
    if (!status) return;
    if (q.limit && q.windowMs) this.policyRate = (q.limit * 1000) / q.windowMs; // a policy of 0 is no pace to keep
    const a: Answer = { sentAt, accepted: status !== 429, remaining: q.remaining, resetMs: q.resetMs };
    this.answers.push(a);
    if (this.answers.length > 64 && this.answers[0].sentAt < sentAt - this.t.windowMs)
      this.answers = this.answers.filter((x) => x.sentAt >= sentAt - this.t.windowMs);
    if (a.remaining === undefined) return;
    this.most = Math.max(this.most, a.remaining);
    this.measure(a);
    if (!this.latest || sentAt >= this.latest.sentAt) {
      this.latest = a;
      this.starts = this.starts.filter((s) => s > sentAt);
    }
  }

  /**
   * The refill between an earlier answer and this one: what `Remaining` rose, plus what was accepted in
   * between, over the time between. Only across answers that all found the bucket below full (a full
   * bucket overflows, and what it would have refilled is not seen), at least minSpanMs apart.
   */
  private measure(b: Answer): void {
    if (b.remaining! >= this.most) return;
    // back from this answer (answers come about in the order they were sent) to the first that found the bucket full
    let from: Answer | undefined;
    for (let i = this.answers.length - 1; i >= 0; i--) {
      const x = this.answers[i];
      if (x.remaining === undefined || x.sentAt > b.sentAt) continue;
      if (x.remaining >= this.most) break;
      if (!from || x.sentAt < from.sentAt) from = x;
    }
    if (!from || from.sentAt > b.sentAt - this.t.minSpanMs) return;
    const taken = this.answers.filter((x) => x.accepted && x.sentAt > from!.sentAt && x.sentAt <= b.sentAt).length;
    const rate = ((b.remaining! - from.remaining! + taken) * 1000) / (b.sentAt - from.sentAt);
    this.measured.push(Math.max(0, rate));
    if (this.measured.length > 2 * this.t.quotaSamples + 1) this.measured.shift();
  }

  /**
   * The refill rate the replay uses: the policy's when sent; else the highest of the measured one, a
   * lower bound (over the last windowMs the tenant accepted at most its bucket plus its rate × the
   * time), and, while the last answer found the bucket full, `quotaProbe` × what the tenant accepted
   * over the last second (it kept up with that; how much more it would take the headers cannot tell
   * until the bucket runs lower).
   */
  private replayRate(): number {
    if (this.policyRate !== undefined) return this.policyRate;
    const l = this.latest;
    if (!l) return 0;
    const acceptedWithin = (ms: number) =>
      this.answers.filter((x) => x.accepted && x.sentAt > l.sentAt - ms && x.sentAt <= l.sentAt).length;
    const bound = ((acceptedWithin(this.t.windowMs) - (this.most + 1)) * 1000) / this.t.windowMs;
    const keptUp = l.remaining! >= this.most ? acceptedWithin(1000) * this.t.quotaProbe : 0;
    return Math.max(this.rate, bound, keptUp);
  }

  /**
   * The earliest time a request may start (now or later), so that the quota keeps `quotaMargin` in hand;
   * `now` when the tenant sends no `Remaining`. With no refill known, the quota's reset (an answer that
   * comes before it is asked again).
   */
  startAt(now: number): number {
    const l = this.latest;
    if (!l) return now;
    const rate = this.replayRate();
    // replay the tenant's bucket from the latest answer: refilled at the rate (never above its size), one
    // token taken by every request started since
    const size = this.most + 1;
    const need = Math.min(1 + this.t.quotaMargin, size); // no margin beyond what the bucket can hold
    let level = l.remaining!;
    let at = l.sentAt;
    for (const s of this.starts) {
      level = Math.min(size, level + (rate * (s - at)) / 1000) - 1;
      at = s;
    }
    const predicted = Math.min(size, level + (rate * (now - at)) / 1000);
    if (predicted >= need) return now;
    if (rate > 0) return now + ((need - predicted) * 1000) / rate;
    return Math.max(now, l.sentAt + Math.max(l.resetMs ?? 1000, this.t.minSpanMs));
  }
}
