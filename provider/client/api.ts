/** Typed calls on top of VezaClient: each returns the canonical (normalized) shape. */
import { VezaClient } from "./client";
import { LIST_PAGE_SIZE, routeName, type EndpointName } from "./endpoints";
import { TypeUpdateUnsupportedError, VezaApiError } from "../errors";
import { ListIndex, type ListPage } from "./list-index";
import { pageFromBody } from "./paging";
import { memberSchema, parseApi, presentFields, profileSchema, typeSchema, versionSchema, wrappedArray, wrappedObject } from "./normalize";
import type { ApiMember, ApiProfile, ApiType, ApiVersion } from "./api-objects";

/** What a DELETE achieved: removed, already gone, or the route is not supported (caller falls back). */
export type DeleteOutcome = "deleted" | "gone" | "unsupported";

/** Statuses with which a tenant says it lacks a route: never taken as "the object is gone" from an assumed route. */
export const ROUTE_MISSING_STATUSES: ReadonlySet<number> = new Set([404, 405, 501]);

/** Returned by calls on assumed routes when this tenant does not have the route. */
export const ROUTE_MISSING = Symbol("route-missing");
export type RouteMissing = typeof ROUTE_MISSING;

const asType = (v: unknown) => parseApi(typeSchema, v, "access profile type");
const asProfile = (v: unknown) => parseApi(profileSchema, v, "access profile");
const asVersion = (v: unknown) => parseApi(versionSchema, v, "access profile version");

function routeMissing(e: unknown): e is VezaApiError {
  return VezaApiError.isInstance(e) && ROUTE_MISSING_STATUSES.has(e.status);
}

/** A page of a documented list, its `values` read strictly and parsed (see paging.ts). */
function pageOf<T>(name: EndpointName, body: any, parse: (v: unknown) => T): ListPage<T> {
  const page = pageFromBody(routeName(name), body);
  return { ...page, items: page.items.map(parse) };
}

/**
 * Typed calls on the endpoint table, one instance per provider process. The documented routes are
 * the contract; every assumed route is an optimisation whose 404/405/501 is remembered as "this
 * tenant lacks the route" (`missingRoutes`) and answered from the documented fallback from then on.
 */
export class VezaApi {
  /** Assumed routes this tenant answered 404/405/501 for: not called again by this process. */
  readonly missingRoutes = new Set<EndpointName>();
  /** Profiles as this process last saw them in any response (create, update, list page): version look-ups need no request. */
  private readonly latestProfiles = new Map<string, ApiProfile>();
  /** Profiles this run retired instead of deleting (the tenant has no DELETE route): name → id. Their names stay taken. */
  readonly retiredProfiles = new Map<string, string>();
  /** Every profile / type of the tenant, from the documented lists (one shared walk each). */
  readonly profiles: ListIndex<ApiProfile>;
  readonly types: ListIndex<ApiType>;

  constructor(readonly client: VezaClient = new VezaClient()) {
    // how long a finished walk is trusted: veza:readCacheTtlMs (config.ts)
    const trustMs = () => this.client.settings.readCacheTtlMs;
    this.profiles = new ListIndex({
      what: "access profiles",
      fetchPage: async (token) => {
        const page = pageOf(
          "listProfiles",
          await this.client.call("listProfiles", { query: { page_size: LIST_PAGE_SIZE, page_token: token } }),
          asProfile,
        );
        for (const p of page.items) this.saw(p);
        return page;
      },
      idOf: (p) => p.id,
      nameOf: (p) => p.name,
      trustMs,
    });
    this.types = new ListIndex({
      what: "access profile types",
      fetchPage: async (token) =>
        pageOf("listTypes", await this.client.call("listTypes", { query: { page_size: LIST_PAGE_SIZE, page_token: token } }), asType),
      idOf: (t) => t.id,
      nameOf: (t) => t.name,
      trustMs,
    });
  }

  // ---- access profile types ----
  async createType(body: Record<string, unknown>): Promise<ApiType> {
    const name = String(body.name);
    const res = await this.client.call("createType", {
      body,
      // after a POST that got no answer, only a new walk can tell whether it was committed
      recover: async () => {
        this.types.forget();
        return this.wrapValue(await this.findTypeByName(name));
      },
    });
    const created = asType(wrappedObject(routeName("createType"), res, "value"));
    this.types.put(created);
    return created;
  }

  async *listTypes(): AsyncGenerator<ApiType> {
    for await (const t of this.client.paginate("listTypes")) yield asType(t);
  }

  /** The type of this name, from the documented list (undefined after a complete walk without it). */
  findTypeByName(name: string): Promise<ApiType | undefined> {
    return this.types.byName(name);
  }

  /** The type, from the documented list: undefined means a complete walk did not list it (gone). */
  findType(id: string): Promise<ApiType | undefined> {
    return this.types.byId(id);
  }

  /**
   * PATCH of a type (an assumed route). Where the tenant lacks it, a type that is still listed fails
   * with TypeUpdateUnsupportedError; one that is no longer listed with the server's 404.
   */
  async updateType(id: string, body: Record<string, unknown>, mask: string[]): Promise<ApiType> {
    if (this.missingRoutes.has("updateType")) throw new TypeUpdateUnsupportedError(404);
    try {
      const res = await this.client.call("updateType", { params: { id }, query: { update_mask: mask.join(",") }, body });
      const updated = asType(res.value ?? res);
      this.types.put(updated);
      return updated;
    } catch (e) {
      if (!routeMissing(e) || !(await this.findType(id))) throw e;
      this.missingRoutes.add("updateType");
      throw new TypeUpdateUnsupportedError(e.status, e);
    }
  }

  async deleteType(id: string): Promise<DeleteOutcome> {
    const outcome = await this.deleteWithFallback("deleteType", id, () => this.findType(id));
    if (outcome !== "unsupported") this.types.remove(id);
    return outcome;
  }

  // ---- access profiles ----
  async createProfile(body: Record<string, unknown>): Promise<{ profile: ApiProfile; version?: ApiVersion }> {
    const name = String(body.name);
    const res = await this.client.call("createProfile", {
      body,
      // after a POST that got no answer, only a new walk can tell whether it was committed
      recover: async () => {
        this.profiles.forget();
        const found = await this.findProfileByName(name);
        return found ? { value: found, recovered: true } : undefined;
      },
    });
    const profile = asProfile(wrappedObject(routeName("createProfile"), res, "value"));
    const version = res.version ? asVersion(res.version) : profile.current_version;
    this.saw(profile, version);
    this.profiles.put(profile);
    return { profile, version };
  }

  /** Raw list items are normalized; `filter` is a SCIM expression (see `filter`). */
  async *listProfiles(opts: { filter?: string; entityExtraInfo?: boolean } = {}): AsyncGenerator<ApiProfile> {
    const query = { filter: opts.filter, entity_extra_info: opts.entityExtraInfo ? true : undefined };
    for await (const p of this.client.paginate("listProfiles", { query })) {
      const profile = asProfile(p);
      this.saw(profile);
      yield profile;
    }
  }

  /**
   * The profile of this name, from the documented list. (`name` is not among the guide's filter
   * attributes, so the list is walked, shared with every other look-up of the process.)
   */
  findProfileByName(name: string): Promise<ApiProfile | undefined> {
    return this.profiles.byName(name);
  }

  /** The profile as listed (with its current version): undefined means a complete walk did not list it (gone). */
  findProfile(id: string): Promise<ApiProfile | undefined> {
    return this.profiles.byId(id);
  }

  /**
   * The profile's current version number without a request when this process already saw the
   * profile (its create response, an update, a list page), else from the documented list.
   * Undefined: the profile is not listed.
   */
  async currentVersionNumber(id: string): Promise<number | undefined> {
    const known = this.latestProfiles.get(id) ?? (await this.findProfile(id));
    return known ? (known.current_version_number ?? known.current_version?.version_number) : undefined;
  }

  /** The content of the profile's version `n` as this process last saw it, when `n` is its current version. */
  knownVersion(id: string, n: number): ApiVersion | undefined {
    const p = this.latestProfiles.get(id);
    const v = p?.current_version;
    return v && (v.version_number ?? p.current_version_number) === n ? v : undefined;
  }

  /**
   * One version of a profile, drafts included, by the assumed `GET access_profiles/{id}?version=n`.
   * ROUTE_MISSING where the tenant lacks the route (or answers 404: it cannot be told from a
   * missing version of a listed profile); the caller falls back to what the list carries.
   */
  async getVersion(id: string, n: number): Promise<ApiVersion | RouteMissing> {
    if (this.missingRoutes.has("getProfile")) return ROUTE_MISSING;
    try {
      const res = await this.client.call("getProfile", { params: { id }, query: { version: n } });
      if (!res.version) return ROUTE_MISSING;
      return asVersion(res.version);
    } catch (e) {
      if (!routeMissing(e)) throw e;
      this.missingRoutes.add("getProfile");
      return ROUTE_MISSING;
    }
  }

  async updateProfile(id: string, body: Record<string, unknown>, mask: string[]): Promise<ApiProfile> {
    const res = await this.client.call("updateProfile", { params: { id }, query: { update_mask: mask.join(",") }, body });
    const updated = asProfile(res.value ?? res);
    this.saw(updated);
    this.profiles.put(updated);
    return updated;
  }

  async deleteProfile(id: string): Promise<DeleteOutcome> {
    const outcome = await this.deleteWithFallback("deleteProfile", id, () => this.findProfile(id));
    if (outcome !== "unsupported") {
      this.profiles.remove(id);
      this.latestProfiles.delete(id);
    }
    return outcome;
  }

  // ---- versions and members ----
  async updateVersion(id: string, version: number, body: Record<string, unknown>, mask: string[]): Promise<ApiVersion> {
    const res = await this.client.call("updateVersion", { params: { id, version }, query: { update_mask: mask.join(",") }, body });
    const updated = asVersion(res.value ?? res);
    const known = this.latestProfiles.get(id);
    const current = known?.current_version;
    if (known && current && (current.version_number ?? known.current_version_number) === version) {
      // what this process knows of the current version follows its own writes (fields the response left out stay)
      const merged = { ...current };
      for (const [k, v] of Object.entries(updated)) if (presentFields(updated)?.has(k) ?? true) (merged as Record<string, unknown>)[k] = v;
      this.latestProfiles.set(id, { ...known, current_version: merged as ApiVersion });
    }
    return updated;
  }

  /**
   * Members of a version by the members call (named in the guide; its path and wrapper are
   * assumptions). ROUTE_MISSING where the tenant answers 404/405/501 for a profile that is still
   * listed; a profile no longer listed throws the 404 (the caller decides what gone means).
   */
  async listMembers(id: string, version: number): Promise<ApiMember[] | RouteMissing> {
    if (this.missingRoutes.has("listMembers")) return ROUTE_MISSING;
    try {
      const out: ApiMember[] = [];
      for await (const m of this.client.paginate("listMembers", { params: { id, version } })) out.push(parseApi(memberSchema, m, "member"));
      return out;
    } catch (e) {
      if (!routeMissing(e) || !(await this.findProfile(id))) throw e;
      this.missingRoutes.add("listMembers");
      return ROUTE_MISSING;
    }
  }

  async changeMembers(
    id: string,
    version: number,
    type: "ADD" | "REMOVE",
    identityIds: string[],
  ): Promise<{ accessRequestId?: string; errorMessage?: string }> {
    const res = await this.client.call("changeMembers", {
      params: { id, version },
      body: { access_profile_id: id, version_number: version, type, identity_ids: identityIds },
    });
    const errorMessage =
      typeof res.access_request_error_message === "string" && res.access_request_error_message
        ? res.access_request_error_message
        : undefined;
    return { accessRequestId: res.access_request_id || undefined, errorMessage };
  }

  async availableIntegrations(): Promise<string[]> {
    const res = await this.client.call("availableIntegrations");
    return wrappedArray(routeName("availableIntegrations"), res, "integrations").map(String);
  }

  // ---- helpers ----
  private wrapValue(v: unknown): unknown {
    return v === undefined ? undefined : { value: v };
  }

  /** Remembers the newest view of a profile (and its current version, when a response carried it). */
  private saw(p: ApiProfile, version?: ApiVersion): void {
    const prev = this.latestProfiles.get(p.id);
    const current =
      version ?? p.current_version ?? (prev && prev.current_version_number === p.current_version_number ? prev.current_version : undefined);
    this.latestProfiles.set(p.id, current ? { ...p, current_version: current } : p);
  }

  /**
   * DELETE on an assumed route. 2xx: deleted. 404/405/501: the route may be missing, so the
   * documented list decides: not listed = gone; still listed = the tenant cannot delete it
   * ("unsupported", remembered; the caller retires the object and warns).
   */
  private async deleteWithFallback(
    name: "deleteType" | "deleteProfile",
    id: string,
    listed: () => Promise<unknown>,
  ): Promise<DeleteOutcome> {
    if (!this.missingRoutes.has(name)) {
      try {
        await this.client.call(name, { params: { id } });
        return "deleted";
      } catch (e) {
        if (!routeMissing(e)) throw e;
      }
    }
    if ((await listed()) === undefined) return "gone";
    this.missingRoutes.add(name);
    return "unsupported";
  }
}
