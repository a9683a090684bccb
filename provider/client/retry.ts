/** Which failures are retried, and how long to wait: exponential backoff with full jitter, Retry-After honoured. */
import type { HttpMethod } from "./endpoints";
import { DEFAULT_BACKOFF, type BackoffTuning } from "./tuning";

export const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);
const IDEMPOTENT = new Set<HttpMethod>(["GET", "PUT", "PATCH", "DELETE"]);

/** Network error codes that prove the request never reached the server. */
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT"]);

export function isIdempotent(method: HttpMethod): boolean {
  return IDEMPOTENT.has(method);
}

/** A status answer may be retried: any retryable status for idempotent calls, only 429 for POST. */
export function retryableStatus(method: HttpMethod, status: number): boolean {
  if (!RETRYABLE_STATUSES.has(status)) return false;
  return isIdempotent(method) || status === 429;
}

export type NetworkVerdict = "retry" | "ambiguous" | "fatal";

/**
 * A request that got no response. Idempotent calls retry; a POST retries only when nothing reached
 * the server, otherwise it is "ambiguous" (the object may exist: look it up before trying again).
 */
export function networkVerdict(method: HttpMethod, err: unknown): NetworkVerdict {
  const code = errorCode(err);
  if (NOT_SENT_CODES.has(code)) return "retry";
  return isIdempotent(method) ? "retry" : "ambiguous";
}

export function errorCode(err: unknown): string {
  let e: any = err;
  for (let depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === "string" && e.code !== "VEZA_API_ERROR") return e.code;
    e = e.cause;
  }
  return "";
}

export interface BackoffOptions extends Partial<BackoffTuning> {
  random?: () => number;
}

/** Full jitter: a uniform wait in [0, min(cap, base·2^attempt)). `attempt` counts from 0. */
export function backoffDelay(attempt: number, o: BackoffOptions = {}): number {
  const base = o.baseMs ?? DEFAULT_BACKOFF.baseMs;
  const cap = o.capMs ?? DEFAULT_BACKOFF.capMs;
  const ceiling = Math.min(cap, base * 2 ** Math.min(attempt, 30));
  return Math.floor((o.random ?? Math.random)() * ceiling);
}

/** Parses a Retry-After header (delta seconds or HTTP date) into ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === "") return undefined;
  const trimmed = v.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
