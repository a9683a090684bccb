/**
 * Turns the API's varied response encodings into one canonical shape (snake_case, as the API
 * names fields): enums as names (whether sent as names or proto numbers), numeric strings as
 * numbers, null / absent / "" as absent, lists always arrays, both version shapes, both
 * current-version spellings. Unknown extra fields are kept, never an error.
 */
import { z } from "zod";
import { UnexpectedResponseError } from "../errors";
import {
  PROFILE_STATES,
  VERSION_STATES,
  type ApiEntity,
  type ApiMember,
  type ApiProfile,
  type ApiType,
  type ApiVersion,
} from "./api-objects";

/**
 * Compile-time proof that a schema parses to exactly the plain type of api-objects.ts (which the
 * public typings use instead of `z.infer`): `true` only when each is assignable to the other.
 */
type Parses<S extends z.ZodType, T> = [z.infer<S>] extends [T] ? ([T] extends [z.infer<S>] ? true : never) : never;
const parses = <S extends z.ZodType, T>(_: Parses<S, T>) => undefined;

const isEmpty = (v: unknown) => v === null || v === undefined || v === "";

/**
 * `String(v)`, except that it never throws: a JSON object whose `toString` is not a function
 * (`{"toString": 1}`) makes `String` throw a bare TypeError; such a value reads as its JSON text.
 */
export function text(v: unknown): string {
  try {
    return String(v);
  } catch {
    return JSON.stringify(v) ?? Object.prototype.toString.call(v);
  }
}

/** Enum name from a name, a proto number or a numeric string; unknown numbers become `UNKNOWN_<n>`. */
export function enumName(names: readonly string[], v: unknown): string | undefined {
  if (isEmpty(v)) return undefined;
  if (typeof v === "number" || (typeof v === "string" && /^\d+$/.test(v))) {
    const n = Number(v);
    return names[n] ?? `UNKNOWN_${n}`;
  }
  return text(v).toUpperCase();
}

export function toInt(v: unknown): number | undefined {
  if (isEmpty(v)) return undefined;
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  return undefined;
}

const str = z.preprocess((v) => (isEmpty(v) ? undefined : text(v)), z.string().optional());
const int = z.preprocess(toInt, z.number().optional());
const bool = z.preprocess((v) => (isEmpty(v) ? undefined : v === true || v === "true"), z.boolean().optional());
const strList = z.preprocess((v) => (Array.isArray(v) ? v.filter((x) => !isEmpty(x)).map(text) : []), z.array(z.string()));
const enumOf = (names: readonly string[]) => z.preprocess((v) => enumName(names, v), z.string().optional());
/** Objects (maps, nested configs): empty object / null → absent. */
const obj = z.preprocess(
  (v) => (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length ? v : undefined),
  z.record(z.string(), z.unknown()).optional(),
);
const list = z.preprocess((v) => (Array.isArray(v) ? v : []), z.array(z.unknown()));

export const entitySchema = z.looseObject({
  entity_type: str,
  datasource_id: str,
  entity_id: str,
  assigned_to_entity_type: str,
  assigned_to_entity_id: str,
  grant_by: z.preprocess((v) => (isEmpty(v) ? undefined : v), z.union([z.string(), z.number()]).optional()),
  condition: obj,
  sync_identity_action: obj,
  custom_properties: obj,
});
parses<typeof entitySchema, ApiEntity>(true);

/** A schema for an API object whose other spellings `rename` first brings to the documented one (on a copy). */
function renamed<S extends z.ZodType>(rename: (r: Record<string, unknown>) => void, schema: S) {
  return z.preprocess((v) => {
    if (!v || typeof v !== "object") return v;
    const r = { ...(v as Record<string, unknown>) };
    rename(r);
    return r;
  }, schema);
}

export const versionSchema = renamed(
  (r) => {
    if (r.access_profile_id === undefined && r.id !== undefined) r.access_profile_id = r.id;
    if (r.version_number === undefined && r.version !== undefined) r.version_number = r.version;
  },
  z.looseObject({
    access_profile_id: str,
    version_number: int,
    state: enumOf(VERSION_STATES),
    entities_to_create_relationships_to: z.preprocess((v) => (Array.isArray(v) ? v : []), z.array(entitySchema)),
    inherit_entities_from_access_profiles: strList,
    /** Identity ids; absent (not []) when the response did not carry the field, so callers can tell. */
    members: z.preprocess((v) => (Array.isArray(v) ? v.filter((x) => !isEmpty(x)).map(text) : undefined), z.array(z.string()).optional()),
    access_request_policy_id: str,
    application_datasource_id: str,
    application_sync_identity_action: obj,
    created_at: str,
    updated_at: str,
    published_at: str,
  }),
);
parses<typeof versionSchema, ApiVersion>(true);

export const typeSchema = z.looseObject({
  id: z.string(),
  name: str,
  description: str,
  allow_inherit_entities: bool,
  allow_inherited_from_types: strList,
  allow_create_relationships: bool,
  require_single_datasource: bool,
  require_single_integration: bool,
  add_integration_prefix_to_access_profile_names: bool,
  max_entitlements: int,
  create_entitlement_based_on_profile: bool,
  create_entitlements: list,
  no_entitlements: bool,
  on_create_behavior: enumOf(PROFILE_STATES),
  instructions: str,
  time_before_sync_check_in_seconds: int,
  access_request_policy_id: str,
  allow_overwrite_of_access_request_policy: bool,
  name_transformer: obj,
  remove_entitlement_on_member_upon_update: bool,
  profiles_count: int,
  integrations: strList,
  created_at: str,
  updated_at: str,
});
parses<typeof typeSchema, ApiType>(true);

export const profileSchema = renamed(
  (r) => {
    // a number in current_version is the current version's number, not the version object
    const cv = r.current_version;
    if (cv !== null && typeof cv !== "object") {
      if (r.current_version_number === undefined) r.current_version_number = cv;
      delete r.current_version;
    }
  },
  z.looseObject({
    id: z.string(),
    name: str,
    description: str,
    state: enumOf(PROFILE_STATES),
    profile_type: str,
    labels: strList,
    datasource_ids: strList,
    require_approval_to_start: bool,
    catalog_item_info: obj,
    custom_properties: obj,
    access_request_policy_id: str,
    current_version_number: int,
    draft_version_number: int,
    integrations: strList,
    provider_ids: strList,
    current_version: versionSchema.optional(),
    access_profiles_inherited: strList,
    access_profiles_inherited_by: strList,
    created_at: str,
    updated_at: str,
  }),
);
parses<typeof profileSchema, ApiProfile>(true);

export const memberSchema = z.looseObject({
  identity_id: z.preprocess((v) => (isEmpty(v) ? undefined : text(v)), z.string()),
  identity_name: str,
  access_profile_id: str,
  created_from: z.unknown().optional(),
  workflow: str,
});
parses<typeof memberSchema, ApiMember>(true);

/** Where a parsed object records which fields the raw response carried (normalizing loses that: absent lists become []). */
const PRESENT = Symbol("pulumi-veza.present");

/** The API fields the response actually carried, or undefined when the object was not parsed from a response. */
export function presentFields(obj: unknown): ReadonlySet<string> | undefined {
  return obj && typeof obj === "object" ? (obj as { [PRESENT]?: Set<string> })[PRESENT] : undefined;
}

/** Parses with a schema; a shape mismatch becomes an error naming what was being read. */
export function parseApi<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new UnexpectedResponseError(`Unexpected ${what} from the Veza API: ${issues}`);
  }
  const data = r.data;
  markPresent(data, value);
  // a profile's current version is an object of its own whose fields a list may leave out too
  const nested = (data as { current_version?: unknown } | undefined)?.current_version;
  if (nested && typeof nested === "object") markPresent(nested, (value as { current_version?: unknown }).current_version);
  return data;
}

function markPresent(data: unknown, value: unknown): void {
  if (!data || typeof data !== "object" || !value || typeof value !== "object") return;
  const raw = value as Record<string, unknown>;
  const carried = new Set(Object.keys(raw).filter((k) => raw[k] !== undefined));
  // the short version shape spells these two fields differently
  if (carried.has("id")) carried.add("access_profile_id");
  if (carried.has("version")) carried.add("version_number");
  // an object normalized before (e.g. a recovered create) keeps what its own response carried
  Object.defineProperty(data, PRESENT, { value: presentFields(value) ?? carried, enumerable: false });
}

/**
 * The array a response wraps under `key` (a list page's `values`, the integrations' `integrations`),
 * read strictly. An absent or null `key` is an empty array only when the body carries nothing else
 * than `allowed` keys (proto3 JSON leaves an empty repeated field out, and the guide reads absent,
 * null and empty alike); a body with other keys but not this one is a different wrapper, and reading
 * it as "nothing" would make a membership or a tenant look empty. That is an error naming the route
 * and the keys the body had.
 */
export function wrappedArray(route: string, body: unknown, key: string, allowed: readonly string[] = []): unknown[] {
  const obj = body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  const value = obj?.[key];
  if (Array.isArray(value)) return value;
  const keys = obj ? Object.keys(obj) : [];
  const others = keys.filter((k) => k !== key && !allowed.includes(k) && obj?.[k] !== undefined);
  if (obj && (value === undefined || value === null) && others.length === 0) return [];
  const had = describeBody(body);
  throw new UnexpectedResponseError(
    `Veza API ${route} answered without the "${key}" array this route returns (${had}${value !== undefined && value !== null ? `; "${key}" is ${typeof value}` : ""}). ` +
      `It is not read as an empty list: the server may use another wrapper. Please report it with the Veza version of the tenant.`,
  );
}

/** The object a create response wraps under `key` (`{value}`); without it, an error naming the route and the keys the body had. */
export function wrappedObject(route: string, body: unknown, key: string): unknown {
  const obj = body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  const value = obj?.[key];
  if (value && typeof value === "object" && !Array.isArray(value)) return value;
  throw new UnexpectedResponseError(`Veza API ${route} answered without the "${key}" object this route returns (${describeBody(body)}).`);
}

function describeBody(body: unknown): string {
  if (!body || typeof body !== "object" || Array.isArray(body))
    return `a ${Array.isArray(body) ? "bare array" : body === null ? "null" : typeof body} instead of an object`;
  const keys = Object.keys(body);
  return keys.length ? `keys: ${keys.join(", ")}` : "no keys";
}
