/**
 * `pulumi-veza impact --tenant`: what the preview cannot see, read from Veza. One walk of the
 * documented list of access profiles (the same settings and client as the look-ups and `export`:
 * VEZA_URL, VEZA_API_TOKEN or VEZA_TOKEN; a read-only token is enough) gives every profile with its
 * current version: its entities, the profiles it inherits from and its members. The model then
 * starts from Veza's member lists of today (members granted since the last refresh included) and
 * walks profiles outside the stack too, so their members' gains and losses are reported, marked.
 */
import { VezaApi } from "../client/api";
import { VezaClient, type VezaClientOptions } from "../client/client";
import { environmentVariables } from "../config";
import { ImpactInputError, VezaApiError, VezaConfigError } from "../errors";
import type { ApiProfile } from "../client/api-objects";
import type { TenantProfile, TenantView } from "./graph";

export interface TenantOptions {
  /** Connection overrides; default: the environment, as for the look-ups. */
  connection?: VezaClientOptions;
  /** An API to use instead of one built from `connection` (tests). */
  api?: VezaApi;
}

/** Veza's profiles today, by id. A tenant that cannot be read is exit 2: the review would be incomplete. */
export async function readTenantView(opts: TenantOptions = {}): Promise<TenantView> {
  let api: VezaApi;
  try {
    api = opts.api ?? new VezaApi(new VezaClient(opts.connection));
    void api.client.settings; // settings are resolved (and checked) here, before any request
  } catch (e) {
    if (VezaConfigError.isInstance(e)) throw new ImpactInputError(`--tenant: ${missingSettings(opts.connection) ?? e.message}`);
    throw e;
  }
  const profiles = new Map<string, TenantProfile>();
  try {
    for await (const p of api.listProfiles()) profiles.set(p.id, tenantProfile(p));
  } catch (e) {
    // VezaApiError messages never carry the token
    if (VezaApiError.isInstance(e)) throw new ImpactInputError(`--tenant: the list of access profiles could not be read: ${e.message}`);
    throw e;
  }
  return { profiles };
}

/** A listed profile as the model needs it: its current version's grants and members. */
export function tenantProfile(p: ApiProfile): TenantProfile {
  const v = p.current_version;
  const details = (p as { member_details?: unknown }).member_details;
  const members =
    v?.members ??
    (Array.isArray(details) ? details.map((d) => String((d as { identity_id?: unknown })?.identity_id ?? "")).filter(Boolean) : undefined);
  return {
    id: p.id,
    name: p.name || p.id,
    currentVersionNumber: p.current_version_number ?? v?.version_number,
    entities: (v?.entities_to_create_relationships_to ?? [])
      .filter((e) => e.entity_type && e.datasource_id && e.entity_id)
      .map((e) => ({ entityType: e.entity_type!, datasourceId: e.datasource_id!, entityId: e.entity_id! })),
    inheritFrom: v?.inherit_entities_from_access_profiles ?? p.access_profiles_inherited ?? [],
    members,
  };
}

/** The connection settings the environment lacks, named as the variables (a standalone command reads no stack config). */
function missingSettings(given: VezaClientOptions | undefined): string | undefined {
  const unset = (key: "url" | "token") => !environmentVariables(key).some((v) => process.env[v]);
  const missing: string[] = [];
  if (!given?.url && unset("url")) missing.push(`${environmentVariables("url").join(" / ")} (the tenant, e.g. https://acme.vezacloud.com)`);
  if (!given?.token && unset("token")) missing.push(`${environmentVariables("token").join(" or ")} (an API token; read-only is enough)`);
  return missing.length ? `set ${missing.join(" and ")} in the environment to read the tenant` : undefined;
}
