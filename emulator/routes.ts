/** The route table below the base path, and one handler per call. */
import { ApiError, Code, invalid, notFound } from "./errors";
import type { Encoder } from "./encode";
import { AVAILABLE_INTEGRATIONS } from "./integrations";
import type { DeleteSupport, EmulatorKnobs } from "./knobs";
import { cutPage, parsePageRequest, scopeOf } from "./paging";
import { evaluate, parseFilter, type AttrValue } from "./scim";
import type { EmulatorStore } from "./store";
import { PROFILE_STATES, type AccessProfileRecord, type AccessProfileTypeRecord, type Json } from "./types";
import { shortProfile, shortType } from "./short-lists";
import { parseMask } from "./validate";

export const BASE_PATH = "/api/private/lifecycle_management";

export interface RouteContext {
  store: EmulatorStore;
  enc: Encoder;
  knobs: EmulatorKnobs;
  query: URLSearchParams;
  params: Record<string, string>;
  body: unknown;
  /** Counts a served list page; true when the emptyPageEvery knob wants this one empty. */
  emptyPageDue(): boolean;
}

export interface RouteResult {
  status?: number;
  body: Json;
}

type Handler = (ctx: RouteContext) => RouteResult;

interface Route {
  method: string;
  template: string;
  segments: string[];
  handler: Handler;
  /**
   * The API guide or Veza's public reference documents this call. The members calls: the guide names
   * them; the reference (docs.veza.com › Developers › API › Lifecycle Management › Access Profiles,
   * "List Access Profile Members" and "Update Access Profile Members") gives their paths and the PUT's
   * body and answer. It does not show the members list's wrapper: `values`, as every list of the API.
   */
  documented: boolean;
}

/**
 * Which routes a tenant has, for testing the provider against tenants that lack the assumed ones:
 * - "all": every route below; a known path with another method answers 405.
 * - "documented": only the calls the guide documents; any other route answers 404 like an unknown one.
 * - "gateway": only the documented calls, grpc-gateway style: an unbound method on a bound path
 *   answers 501, an unbound path 404.
 */
export type RoutesMode = "all" | "documented" | "gateway";
export const ROUTES_MODES: readonly RoutesMode[] = ["all", "documented", "gateway"];

const PROFILE_FILTER_ATTRS = [
  "id",
  "name",
  "description",
  "profile_type",
  "state",
  "labels",
  "integrations",
  "provider_ids",
  "datasource_ids",
  "current_version_number",
  "require_approval_to_start",
] as const;
const TYPE_FILTER_ATTRS = ["id", "name", "description"] as const;

function versionParam(ctx: RouteContext): number {
  const raw = ctx.params.version ?? "";
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw invalid(`invalid version ${JSON.stringify(raw)}: expected a positive integer`);
  return Number(raw);
}

function boolParam(query: URLSearchParams, name: string): boolean {
  const v = query.get(name);
  if (v === null || v === "" || v === "false" || v === "0") return false;
  if (v === "true" || v === "1") return true;
  throw invalid(`invalid value for "${name}": expected true or false`);
}

function unsupportedDelete(mode: DeleteSupport): RouteResult | undefined {
  if (mode === "ok") return undefined;
  if (mode === 404) throw new ApiError(Code.NOT_FOUND, "route not found");
  if (mode === 405) throw new ApiError(Code.UNIMPLEMENTED, "method not allowed", 405);
  throw new ApiError(Code.UNIMPLEMENTED, "not implemented", 501);
}

function profileAttr(store: EmulatorStore, p: AccessProfileRecord, attr: string): AttrValue {
  switch (attr) {
    case "id":
      return p.id;
    case "name":
      return p.name;
    case "description":
      return p.description;
    case "profile_type":
      return p.profile_type;
    case "state":
      // both spellings, so `state eq "RUNNING"` and `state eq 1` match
      return [p.state, PROFILE_STATES.indexOf(p.state)];
    case "labels":
      return p.labels;
    case "integrations":
      return store.profileIntegrations(p);
    case "provider_ids":
      return store.profileProviderIds(p);
    case "datasource_ids":
      return p.datasource_ids;
    case "current_version_number":
      return p.current_version_number;
    case "require_approval_to_start":
      return p.require_approval_to_start;
    default:
      return undefined;
  }
}

function typeAttr(t: AccessProfileTypeRecord, attr: string): AttrValue {
  return attr === "id" ? t.id : attr === "name" ? t.name : attr === "description" ? t.description : undefined;
}

function page<T>(
  ctx: RouteContext,
  items: readonly T[],
  scopeParts: string[],
): { values: T[]; next_page_token: string; has_more: boolean } {
  const scope = scopeOf(scopeParts);
  const req = parsePageRequest(ctx.query, scope, ctx.knobs.maxPageSize);
  return cutPage(items, req, scope, ctx.emptyPageDue());
}

/**
 * Every route the emulator serves. The fourth element says whether the API guide
 * (shared/veza-api/) documents the call; the others follow the API's resource-oriented
 * conventions and are answered only in routes mode "all" (see RoutesMode). Written from the guide,
 * never from the provider's endpoint table: the emulator is the second opinion.
 */
const handlers: Array<[string, string, Handler, "documented" | "assumed"]> = [
  ["POST", "access_profiles_types", (ctx) => ({ body: { value: ctx.enc.type(ctx.store.createType(ctx.body), ctx.store) } }), "documented"],
  [
    "GET",
    "access_profiles_types",
    (ctx) => {
      const filter = ctx.query.get("filter") ?? "";
      const tree = filter.trim() ? parseFilter(filter, TYPE_FILTER_ATTRS) : undefined;
      const items = ctx.store.listTypes().filter((t) => !tree || evaluate(tree, (a) => typeAttr(t, a)));
      const pg = page(ctx, items, ["types", filter]);
      const values = pg.values.map((t) => ctx.enc.type(t, ctx.store));
      return {
        body: { values: ctx.knobs.shortLists ? values.map(shortType) : values, next_page_token: pg.next_page_token, has_more: pg.has_more },
      };
    },
    "documented",
  ],
  [
    "GET",
    "access_profiles_types/{id}",
    (ctx) => ({ body: { value: ctx.enc.type(ctx.store.getType(ctx.params.id!), ctx.store) } }),
    "assumed",
  ],
  [
    "PATCH",
    "access_profiles_types/{id}",
    (ctx) => {
      const t = ctx.store.updateType(ctx.params.id!, ctx.body, parseMask(ctx.query.get("update_mask")));
      return { body: { value: ctx.enc.type(t, ctx.store) } };
    },
    "assumed",
  ],
  [
    "DELETE",
    "access_profiles_types/{id}",
    (ctx) => {
      const unsupported = unsupportedDelete(ctx.knobs.deleteSupport.types);
      if (unsupported) return unsupported;
      ctx.store.deleteType(ctx.params.id!);
      return { body: {} };
    },
    "assumed",
  ],
  ["GET", "access_profiles:available_integrations", () => ({ body: { integrations: [...AVAILABLE_INTEGRATIONS] } }), "documented"],
  [
    "POST",
    "access_profiles",
    (ctx) => {
      const { profile, version } = ctx.store.createProfile(ctx.body);
      return { body: { value: ctx.enc.profile(profile, ctx.store), version: ctx.enc.version(profile, version) } };
    },
    "documented",
  ],
  [
    "GET",
    "access_profiles",
    (ctx) => {
      const filter = ctx.query.get("filter") ?? "";
      const extra = boolParam(ctx.query, "entity_extra_info");
      const tree = filter.trim() ? parseFilter(filter, PROFILE_FILTER_ATTRS) : undefined;
      const items = ctx.store.listProfiles().filter((p) => !tree || evaluate(tree, (a) => profileAttr(ctx.store, p, a)));
      const pg = page(ctx, items, ["profiles", filter]);
      return {
        body: {
          values: pg.values.map((p) => ctx.enc.profile(p, ctx.store, extra)).map((p) => (ctx.knobs.shortLists ? shortProfile(p) : p)),
          next_page_token: pg.next_page_token,
          has_more: pg.has_more,
        },
      };
    },
    "documented",
  ],
  [
    "GET",
    "access_profiles/{id}",
    (ctx) => {
      const p = ctx.store.getProfile(ctx.params.id!);
      const extra = boolParam(ctx.query, "entity_extra_info");
      const rawVersion = ctx.query.get("version");
      if (rawVersion === null || rawVersion === "") return { body: { value: ctx.enc.profile(p, ctx.store, extra) } };
      if (!/^\d+$/.test(rawVersion)) throw invalid(`invalid value for "version": expected a positive integer`);
      const v = ctx.store.findVersion(p, Number(rawVersion));
      if (!v) throw notFound(`version ${rawVersion} of access profile ${p.id} not found`);
      return { body: { value: ctx.enc.profile(p, ctx.store, extra), version: ctx.enc.version(p, v, extra) } };
    },
    "assumed",
  ],
  [
    "PATCH",
    "access_profiles/{id}",
    (ctx) => {
      const p = ctx.store.updateProfile(ctx.params.id!, ctx.body, parseMask(ctx.query.get("update_mask")));
      return { body: { value: ctx.enc.profile(p, ctx.store) } };
    },
    "documented",
  ],
  [
    "DELETE",
    "access_profiles/{id}",
    (ctx) => {
      const unsupported = unsupportedDelete(ctx.knobs.deleteSupport.profiles);
      if (unsupported) return unsupported;
      ctx.store.deleteProfile(ctx.params.id!);
      return { body: {} };
    },
    "assumed",
  ],
  [
    "PATCH",
    "access_profiles/{id}/versions/{version}",
    (ctx) => {
      const id = ctx.params.id!;
      const v = ctx.store.updateVersion(id, versionParam(ctx), ctx.body, parseMask(ctx.query.get("update_mask")));
      return { body: { value: ctx.enc.version(ctx.store.getProfile(id), v) } };
    },
    "documented",
  ],
  // "List Access Profile Members" (reference): entries {access_profile_id, access_profile_name,
  // identity_id, identity_name, created_from, workflow}; the wrapper is not shown, `values` as every list
  [
    "GET",
    "access_profiles/{id}/versions/{version}/members",
    (ctx) => {
      const id = ctx.params.id!;
      const n = versionParam(ctx);
      const p = ctx.store.getProfile(id);
      const members = ctx.store.listMembers(id, n);
      const pg = page(ctx, members, ["members", id, String(n)]);
      return { body: { values: pg.values.map((m) => ctx.enc.member(p, m)), next_page_token: pg.next_page_token, has_more: pg.has_more } };
    },
    "documented",
  ],
  // "Update Access Profile Members" (reference): body {access_profile_id, version_number, type: ADD | REMOVE,
  // identity_ids}; answer {access_request_id, access_request_error_message}
  [
    "PUT",
    "access_profiles/{id}/versions/{version}/members",
    (ctx) => {
      const requestId = ctx.store.changeMembers(ctx.params.id!, versionParam(ctx), ctx.body);
      return { body: { access_request_id: requestId, access_request_error_message: "" } };
    },
    "documented",
  ],
];

const ROUTES: Route[] = handlers.map(([method, template, handler, source]) => ({
  method,
  template,
  segments: template.split("/"),
  handler,
  documented: source === "documented",
}));

export type RouteMatch =
  | { kind: "ok"; key: string; route: Route; params: Record<string, string> }
  | { kind: "method"; key: string; allowed: string[]; status: 405 | 501 }
  | { kind: "none"; key: string };

/** Matches a raw URL path (still percent-encoded); segments are decoded before matching. */
export function matchRoute(method: string, rawPath: string, mode: RoutesMode = "all"): RouteMatch {
  const unmatched: RouteMatch = { kind: "none", key: `${method} (unmatched)` };
  if (rawPath !== BASE_PATH && !rawPath.startsWith(`${BASE_PATH}/`)) return unmatched;
  const rest = rawPath.slice(BASE_PATH.length + 1).replace(/\/+$/, "");
  let segs: string[];
  try {
    segs = rest.split("/").map((s) => decodeURIComponent(s));
  } catch {
    return unmatched;
  }
  let methodMismatch: { template: string; allowed: string[] } | undefined;
  for (const r of ROUTES) {
    if (mode !== "all" && !r.documented) continue;
    if (r.segments.length !== segs.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < segs.length; i++) {
      const t = r.segments[i]!;
      const s = segs[i]!;
      if (t.startsWith("{")) {
        if (!s || s.includes(":")) {
          ok = false;
          break;
        }
        params[t.slice(1, -1)] = s;
      } else if (t !== s) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    if (r.method === method) return { kind: "ok", key: `${method} ${r.template}`, route: r, params };
    methodMismatch ??= { template: r.template, allowed: [] };
    if (methodMismatch.template === r.template) methodMismatch.allowed.push(r.method);
  }
  if (methodMismatch && mode !== "documented") {
    return {
      kind: "method",
      key: `${method} ${methodMismatch.template}`,
      allowed: methodMismatch.allowed,
      status: mode === "gateway" ? 501 : 405,
    };
  }
  return unmatched;
}
