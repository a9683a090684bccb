/** Typed calls on top of VezaClient: each returns the canonical (normalized) shape. */
import { eq } from "../filter";
import { VezaClient } from "./client";
import { VezaApiError } from "./errors";
import {
  memberSchema,
  parseApi,
  profileSchema,
  typeSchema,
  versionSchema,
  type ApiMember,
  type ApiProfile,
  type ApiType,
  type ApiVersion,
} from "./normalize";

/** What a DELETE achieved: removed, already gone, or the route is not supported (caller falls back). */
export type DeleteOutcome = "deleted" | "gone" | "unsupported";

const asType = (v: unknown) => parseApi(typeSchema, v, "access profile type");
const asProfile = (v: unknown) => parseApi(profileSchema, v, "access profile");
const asVersion = (v: unknown) => parseApi(versionSchema, v, "access profile version");

async function orUndefinedOn404<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof VezaApiError && e.status === 404) return undefined;
    throw e;
  }
}

export class VezaApi {
  constructor(readonly client: VezaClient = new VezaClient()) {}

  // ---- access profile types ----
  async createType(body: Record<string, unknown>): Promise<ApiType> {
    const name = String(body.name);
    const res = await this.client.call("createType", { body, recover: async () => this.wrapValue(await this.findTypeByName(name)) });
    return asType(res.value);
  }

  async *listTypes(): AsyncGenerator<ApiType> {
    for await (const t of this.client.paginate("listTypes")) yield asType(t);
  }

  async findTypeByName(name: string): Promise<ApiType | undefined> {
    for await (const t of this.listTypes()) if (t.name === name) return t;
    return undefined;
  }

  /**
   * The type, or undefined when it is gone. GET of a type is an assumed route, so a 404 is confirmed
   * against the (documented) list before the type is called gone.
   */
  async getType(id: string): Promise<ApiType | undefined> {
    const res = await orUndefinedOn404(this.client.call("getType", { params: { id } }));
    if (res) return asType(res.value ?? res);
    for await (const t of this.listTypes()) if (t.id === id) return t;
    return undefined;
  }

  async updateType(id: string, body: Record<string, unknown>, mask: string[]): Promise<ApiType> {
    const res = await this.client.call("updateType", { params: { id }, query: { update_mask: mask.join(",") }, body });
    return asType(res.value ?? res);
  }

  deleteType(id: string): Promise<DeleteOutcome> {
    return this.deleteWithFallback("deleteType", id, () => this.getType(id));
  }

  // ---- access profiles ----
  async createProfile(body: Record<string, unknown>): Promise<{ profile: ApiProfile; version?: ApiVersion }> {
    const name = String(body.name);
    const res = await this.client.call("createProfile", {
      body,
      recover: async () => {
        const found = await this.getProfileByName(name);
        return found ? { value: found, recovered: true } : undefined;
      },
    });
    const profile = asProfile(res.value);
    const version = res.version ? asVersion(res.version) : profile.current_version;
    return { profile, version };
  }

  /** Raw list items are normalized; `filter` is a SCIM expression (see `filter`). */
  async *listProfiles(opts: { filter?: string; entityExtraInfo?: boolean } = {}): AsyncGenerator<ApiProfile> {
    const query = { filter: opts.filter, entity_extra_info: opts.entityExtraInfo ? true : undefined };
    for await (const p of this.client.paginate("listProfiles", { query })) yield asProfile(p);
  }

  async getProfileByName(name: string): Promise<ApiProfile | undefined> {
    for await (const p of this.listProfiles({ filter: eq("name", name) })) if (p.name === name) return p;
    return undefined;
  }

  /** The profile (with its published version), or with `version` the given version too. */
  async getProfile(id: string, version?: number): Promise<{ profile: ApiProfile; version?: ApiVersion } | undefined> {
    const res = await orUndefinedOn404(this.client.call("getProfile", { params: { id }, query: { version } }));
    if (!res) return undefined;
    const profile = asProfile(res.value ?? res);
    const v = res.version ? asVersion(res.version) : version === undefined || version === profile.current_version_number ? profile.current_version : undefined;
    return { profile, version: v };
  }

  async updateProfile(id: string, body: Record<string, unknown>, mask: string[]): Promise<ApiProfile> {
    const res = await this.client.call("updateProfile", { params: { id }, query: { update_mask: mask.join(",") }, body });
    return asProfile(res.value ?? res);
  }

  deleteProfile(id: string): Promise<DeleteOutcome> {
    return this.deleteWithFallback("deleteProfile", id, async () => (await this.getProfile(id))?.profile);
  }

  // ---- versions and members ----
  async updateVersion(id: string, version: number, body: Record<string, unknown>, mask: string[]): Promise<ApiVersion> {
    const res = await this.client.call("updateVersion", { params: { id, version }, query: { update_mask: mask.join(",") }, body });
    return asVersion(res.value ?? res);
  }

  async listMembers(id: string, version: number): Promise<ApiMember[]> {
    const out: ApiMember[] = [];
    for await (const m of this.client.paginate("listMembers", { params: { id, version } })) out.push(parseApi(memberSchema, m, "member"));
    return out;
  }

  async changeMembers(id: string, version: number, type: "ADD" | "REMOVE", identityIds: string[]): Promise<{ accessRequestId?: string; errorMessage?: string }> {
    const res = await this.client.call("changeMembers", {
      params: { id, version },
      body: { access_profile_id: id, version_number: version, type, identity_ids: identityIds },
    });
    const errorMessage = typeof res.access_request_error_message === "string" && res.access_request_error_message ? res.access_request_error_message : undefined;
    return { accessRequestId: res.access_request_id || undefined, errorMessage };
  }

  async availableIntegrations(): Promise<string[]> {
    const res = await this.client.call("availableIntegrations");
    return Array.isArray(res.integrations) ? res.integrations.map(String) : [];
  }

  // ---- helpers ----
  private wrapValue(v: unknown): unknown {
    return v === undefined ? undefined : { value: v };
  }

  /**
   * DELETE, telling an unsupported route from a gone object: 405/501 are unsupported; a 404 is
   * checked with a GET (404 again: gone; found: the DELETE route is unsupported).
   */
  private async deleteWithFallback(name: "deleteType" | "deleteProfile", id: string, get: () => Promise<unknown>): Promise<DeleteOutcome> {
    try {
      await this.client.call(name, { params: { id } });
      return "deleted";
    } catch (e) {
      if (!(e instanceof VezaApiError)) throw e;
      if (e.status === 405 || e.status === 501) return "unsupported";
      if (e.status === 404) return (await get()) === undefined ? "gone" : "unsupported";
      throw e;
    }
  }
}
