/**
 * Routing: a request that got past authentication and the faults, to the answer of its route
 * (routes.ts) in the encodings and shapes the knobs ask for. Knows nothing of sockets or timing.
 */
import { ApiError, Code } from "./errors";
import { Encoder } from "./encode";
import type { EmulatorKnobs } from "./knobs";
import type { DataFile } from "./persist";
import type { RouteMatch } from "./routes";
import type { EmulatorStore } from "./store";
import type { Json, JsonObject } from "./types";

/** A type's fields in the API guide's write responses: its create and its update answer the same. */
const TYPE_FIELDS = [
  "id",
  "name",
  "description",
  "allow_inherit_entities",
  "allow_create_relationships",
  "require_single_datasource",
  "integrations",
  "profiles_count",
  "created_at",
  "updated_at",
];

/** The fields the API guide's "simplified" write responses carry, by route. */
const SIMPLIFIED: Record<string, string[]> = {
  "POST access_profiles": [
    "id",
    "name",
    "state",
    "profile_type",
    "current_version_number",
    "integrations",
    "provider_ids",
    "labels",
    "created_at",
    "updated_at",
  ],
  "PATCH access_profiles/{id}": [
    "id",
    "name",
    "state",
    "profile_type",
    "current_version",
    "integrations",
    "provider_ids",
    "labels",
    "created_at",
    "updated_at",
  ],
  "POST access_profiles_types": TYPE_FIELDS,
  "PATCH access_profiles_types/{id}": TYPE_FIELDS,
};

function simplified(route: string, body: Json): Json {
  const value = (body as { value?: Record<string, Json> } | null)?.value;
  if (!value || typeof value !== "object") return body;
  if (route === "PATCH access_profiles/{id}/versions/{version}") {
    const v = value as Record<string, Json>;
    return {
      value: {
        id: v.access_profile_id ?? v.id,
        version: v.version_number ?? v.version,
        entities_to_create_relationships_to: v.entities_to_create_relationships_to,
        inherit_entities_from_access_profiles: v.inherit_entities_from_access_profiles,
        updated_at: v.updated_at,
      },
    } as Json;
  }
  const keep = SIMPLIFIED[route];
  if (!keep) return body;
  const out: Record<string, Json> = {};
  for (const k of keep) {
    if (k === "current_version" && typeof value.current_version === "object" && value.current_version) {
      out.current_version = (value.current_version as Record<string, Json>).version_number ?? null; // a number, as in the guide's PATCH example
    } else if (value[k] !== undefined) out[k] = value[k];
  }
  return { value: out } as Json;
}

/** The answer with its wrapper key (the first of `values`, `value`, `integrations` it has) renamed: the wrapperKeys knob. */
function rewrap(body: Json, key: string): Json {
  if (!body || typeof body !== "object" || Array.isArray(body)) return body;
  const own = ["values", "value", "integrations"].find((k) => k in body);
  if (!own) return body;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(body)) out[k === own ? key : k] = v;
  return out;
}

type Matched = Extract<RouteMatch, { kind: "ok" }>;

/** The route, or the ApiError (with its headers) for one that is missing or does not take the method. */
export function routeOf(
  match: RouteMatch,
  knobs: EmulatorKnobs,
): { route: Matched } | { error: ApiError; headers?: Record<string, string> } {
  if (match.kind === "none" || knobs.missingRoutes.includes(match.key)) return { error: new ApiError(Code.NOT_FOUND, "route not found") };
  if (match.kind === "method") {
    if (match.status === 501) return { error: new ApiError(Code.UNIMPLEMENTED, "Not Implemented", 501) };
    return { error: new ApiError(Code.UNIMPLEMENTED, "method not allowed", 405), headers: { allow: match.allowed.join(", ") } };
  }
  return { route: match };
}

/** The request body as JSON (`{}` when empty or for a method without one); throws an ApiError the client caused. */
export function jsonBody(method: string, raw: Buffer | undefined): unknown {
  if (method !== "POST" && method !== "PATCH" && method !== "PUT") return {};
  if (raw === undefined) throw new ApiError(Code.INVALID_ARGUMENT, "request body too large");
  const text = raw.toString("utf8");
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ApiError(Code.INVALID_ARGUMENT, `request body is not valid JSON: ${(e as Error).message}`);
  }
}

export interface Routed {
  method: string;
  /** The route routeOf found. */
  match: Matched;
  query: URLSearchParams;
  body: unknown;
}

export interface Tenant {
  store: EmulatorStore;
  dataFile?: DataFile;
  encodeRng: () => number;
  /** The emptyPageEvery knob's counter: true when this list page must come back empty. */
  emptyPageDue: () => boolean;
}

/** The route's answer, encoded as the knobs say. Throws the route's ApiError; any other error is the emulator's (500). */
export function dispatch(r: Routed, knobs: EmulatorKnobs, t: Tenant): { status: number; body: Json } {
  const enc = new Encoder(knobs, t.encodeRng);
  t.dataFile?.syncFromDisk();
  t.store.objectDefaults = knobs.objectDefaults;
  let result = r.match.route.handler({
    store: t.store,
    enc,
    knobs,
    query: r.query,
    params: r.match.params,
    body: r.body,
    emptyPageDue: t.emptyPageDue,
  });
  if (knobs.simplifiedWrites && (r.method === "POST" || r.method === "PATCH"))
    result = { ...result, body: simplified(r.match.key, result.body) };
  const wrapperKey = knobs.wrapperKeys[r.match.key];
  if (wrapperKey) result = { ...result, body: rewrap(result.body, wrapperKey) };
  return { status: result.status ?? 200, body: enc.finalize(result.body) };
}
