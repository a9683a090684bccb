/** Fault and encoding knobs, their defaults, and the seeded PRNG the emulator draws from. */

import type { RoutesMode } from "./routes";

export type DeleteSupport = "ok" | 404 | 405 | 501;

export interface EmulatorKnobs {
  /** Added to every response, per request and concurrently (default 0). */
  latencyMs: number;
  /** Fraction 0..1 of requests answered 429 (default 0). */
  rate429: number;
  /** Fraction of those 429s that carry a Retry-After header (default 0.5). */
  retryAfterFraction: number;
  /** The Retry-After value sent (default "0"; may be seconds or an HTTP date). */
  retryAfter: string;
  /** Fraction answered 503 (default 0). */
  rate503: number;
  /** Fraction of POSTs that are committed and then have their socket destroyed without a response. */
  ambiguousPostRate: number;
  /** Fraction of requests never answered (socket left open until close()). */
  hangRate: number;
  /** How enums are written in responses; "mixed" picks per field (and randomises numbersAsStrings too). */
  enumEncoding: "names" | "numbers" | "mixed";
  /** Write integer fields as strings. */
  numbersAsStrings: boolean;
  /** Version objects as {access_profile_id, version_number} ("standard") or {id, version} ("short"). */
  versionShape: "standard" | "short" | "mixed";
  /** How empty optional fields ([], "", false, null, {}) are written: dropped, null, or as-is (default). */
  emptyAs: "omit" | "null" | "empty";
  /** 0 = off; otherwise every Nth list page is served empty with has_more true, continuing on the next. */
  emptyPageEvery: number;
  /** Simulate an unsupported DELETE route. */
  deleteSupport: { types: DeleteSupport; profiles: DeleteSupport };
  /** 0 = off; after N requests the server destroys every socket and stops answering. */
  failAfterRequests: number;
  /** 0 = off; after N requests every request gets 401. */
  invalidTokenAfterRequests: number;
  /** Largest page served (default 100). */
  maxPageSize: number;
  /**
   * Answer POST/PATCH with the documented "simplified" bodies that leave fields out (a profile:
   * id, name, state, profile_type, current_version_number, integrations, provider_ids, labels,
   * timestamps; a version: id, version, entities, inheritance, updated_at), as the API guide shows.
   */
  simplifiedWrites: boolean;
  /**
   * Like a tenant that completes object fields on write: `catalog_item_info` (profile),
   * `name_transformer` (type) and `application_sync_identity_action` (version) get every documented
   * sub-field the request left out, with its zero value (`false`, `[]`), so a program that sets only
   * some sub-fields reads back more than it sent (store.ts OBJECT_DEFAULTS). Default false: objects
   * are stored as sent.
   */
  objectDefaults: boolean;
  /**
   * Which routes exist: "all" (default), "documented" (only the calls the API guide documents; the
   * rest answer 404) or "gateway" (documented only; an unbound method on a bound path answers 501).
   */
  routes: RoutesMode;
  /** List items carry only the fields the guide's list examples show (see short-lists.ts). */
  shortLists: boolean;
  /** Route keys ("PUT access_profiles/{id}/versions/{version}/members") answered 404 as if the tenant lacked them. */
  missingRoutes: readonly string[];
  /**
   * Route key -> the key a tenant of another version might wrap the answer in instead of the route's own
   * (`values` of a list, `value` of a create, `integrations`): e.g.
   * `{ "GET access_profiles/{id}/versions/{version}/members": "members" }` answers `{members: [...], …}`.
   * For proving that a client reads wrappers strictly (an unknown wrapper is an error, never "empty").
   */
  wrapperKeys: Readonly<Record<string, string>>;
  /**
   * A token bucket in front of every route, like a real gateway (default null: off). The bucket holds
   * at most `burst` requests and refills at `perSec`; a request that finds it empty is answered 429
   * with `Retry-After` in whole seconds (>= 1). See emulator/ratelimit.ts.
   */
  rateLimit: RateLimitKnob | null;
  /**
   * Rate-limit headers on every answer while `rateLimit` is on (default "none": the API guide documents
   * none): "x-ratelimit" sends `X-RateLimit-Limit/Remaining/Reset`, "ratelimit" the IETF draft's
   * `RateLimit-Limit/Remaining/Reset` and `RateLimit-Policy: <perSec>;w=1;burst=<burst>`,
   * "ratelimit-structured" the draft's later `RateLimit` and `RateLimit-Policy` structured fields.
   * See emulator/ratelimit.ts.
   */
  rateLimitHeaders: RateLimitHeaderForm;
}

export const RATE_LIMIT_HEADER_FORMS = ["none", "x-ratelimit", "ratelimit", "ratelimit-structured"] as const;
export type RateLimitHeaderForm = (typeof RATE_LIMIT_HEADER_FORMS)[number];

export interface RateLimitKnob {
  /** Requests per second the bucket refills (> 0). */
  perSec: number;
  /** Bucket size: requests that may arrive at once after a quiet spell (>= 1). */
  burst: number;
}

/** What setKnobs/startEmulator accept: any subset, and deleteSupport may name just one of its two routes. */
export type KnobsPatch = Partial<Omit<EmulatorKnobs, "deleteSupport">> & { deleteSupport?: Partial<EmulatorKnobs["deleteSupport"]> };

export const DEFAULT_KNOBS: Readonly<EmulatorKnobs> = Object.freeze({
  latencyMs: 0,
  rate429: 0,
  retryAfterFraction: 0.5,
  retryAfter: "0",
  rate503: 0,
  ambiguousPostRate: 0,
  hangRate: 0,
  enumEncoding: "names",
  numbersAsStrings: false,
  versionShape: "standard",
  emptyAs: "empty",
  emptyPageEvery: 0,
  deleteSupport: Object.freeze({ types: "ok", profiles: "ok" }) as EmulatorKnobs["deleteSupport"],
  failAfterRequests: 0,
  invalidTokenAfterRequests: 0,
  maxPageSize: 100,
  simplifiedWrites: false,
  objectDefaults: false,
  routes: "all",
  shortLists: false,
  missingRoutes: Object.freeze([]) as readonly string[],
  wrapperKeys: Object.freeze({}) as Readonly<Record<string, string>>,
  rateLimit: null,
  rateLimitHeaders: "none",
});

export function mergeKnobs(base: EmulatorKnobs, patch: KnobsPatch | undefined): EmulatorKnobs {
  const next: EmulatorKnobs = { ...base, deleteSupport: { ...base.deleteSupport } };
  if (!patch) return next;
  for (const [k, v] of Object.entries(patch) as [keyof EmulatorKnobs, unknown][]) {
    if (v === undefined) continue;
    if (k === "deleteSupport") next.deleteSupport = { ...next.deleteSupport, ...(v as Partial<EmulatorKnobs["deleteSupport"]>) };
    else (next as unknown as Record<string, unknown>)[k] = v;
  }
  for (const k of ["rate429", "retryAfterFraction", "rate503", "ambiguousPostRate", "hangRate"] as const) {
    const v = next[k];
    if (typeof v !== "number" || !(v >= 0 && v <= 1)) throw new Error(`knob ${k} must be a number in 0..1, got ${String(v)}`);
  }
  for (const k of ["latencyMs", "emptyPageEvery", "failAfterRequests", "invalidTokenAfterRequests"] as const) {
    const v = next[k];
    if (typeof v !== "number" || !(v >= 0)) throw new Error(`knob ${k} must be a non-negative number, got ${String(v)}`);
  }
  if (!(next.maxPageSize >= 1)) throw new Error(`knob maxPageSize must be >= 1`);
  if (!["names", "numbers", "mixed"].includes(next.enumEncoding)) throw new Error(`knob enumEncoding: names|numbers|mixed`);
  if (!["standard", "short", "mixed"].includes(next.versionShape)) throw new Error(`knob versionShape: standard|short|mixed`);
  if (!["omit", "null", "empty"].includes(next.emptyAs)) throw new Error(`knob emptyAs: omit|null|empty`);
  if (!["all", "documented", "gateway"].includes(next.routes)) throw new Error(`knob routes: all|documented|gateway`);
  if (next.rateLimit !== null) {
    const { perSec, burst } = next.rateLimit ?? ({} as RateLimitKnob);
    if (
      !(typeof perSec === "number" && perSec > 0 && Number.isFinite(perSec)) ||
      !(typeof burst === "number" && burst >= 1 && Number.isFinite(burst))
    ) {
      throw new Error(`knob rateLimit must be null or { perSec > 0, burst >= 1 }, got ${JSON.stringify(next.rateLimit)}`);
    }
    next.rateLimit = { perSec, burst };
  }
  if (!RATE_LIMIT_HEADER_FORMS.includes(next.rateLimitHeaders))
    throw new Error(
      `knob rateLimitHeaders must be one of ${RATE_LIMIT_HEADER_FORMS.join(", ")}, got ${JSON.stringify(next.rateLimitHeaders)}`,
    );
  return next;
}

/**
 * Knobs from the environment, under any explicit ones: VEZA_EMULATOR_ROUTES (all|documented|gateway)
 * and VEZA_EMULATOR_SHORT_LISTS (1/true), so a whole test run can be repeated against a tenant that
 * has only the documented routes.
 */
export function knobsFromEnv(env: NodeJS.ProcessEnv = process.env): KnobsPatch {
  const patch: KnobsPatch = {};
  const routes = env.VEZA_EMULATOR_ROUTES;
  if (routes) patch.routes = routes as RoutesMode;
  const short = env.VEZA_EMULATOR_SHORT_LISTS;
  if (short) patch.shortLists = short === "1" || short === "true";
  return patch;
}

/** mulberry32: small, fast, seeded; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
