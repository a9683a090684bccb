/** Plain async look-ups (and Output-friendly variants for use inside stacks). */
import type * as pulumi from "@pulumi/pulumi";
// the SDK's own module, not its index, which loads all of the SDK (CONTRIBUTING, "Loading @pulumi/pulumi")
import { output } from "@pulumi/pulumi/output";
import { VezaApi } from "./client/api";
import { VezaClient, type VezaClientOptions } from "./client/client";
import type { ApiProfile } from "./client/api-objects";
import { camelKeys } from "./resources/shared/fields";

export interface ListAccessProfilesArgs {
  /** SCIM filter, best built with `filter` (e.g. `f.eq("profile_type", id)`). */
  filter?: string;
  /** Include extra entity details (names, provider ids). */
  entityExtraInfo?: boolean;
  /** Connection overrides (`url`, `token`, any setting); default: the stack config, then the environment, as for the resources. */
  connection?: VezaClientOptions;
}

/** The current version of a profile, as the list of profiles carries it (camelCase, normalized). */
export interface AccessProfileVersionInfo {
  accessProfileId?: string;
  versionNumber?: number;
  /** "DRAFT", "PUBLISHED" or "RETIRED". */
  state?: string;
  /** The entities of the version, as Veza lists them (snake_case keys turned camelCase). */
  entitiesToCreateRelationshipsTo: Record<string, unknown>[];
  inheritEntitiesFromAccessProfiles: string[];
  /** Identity ids holding the version, when the list carries them. */
  members?: string[];
  accessRequestPolicyId?: string;
  applicationDatasourceId?: string;
  applicationSyncIdentityAction?: Record<string, unknown>;
  createdAt?: string;
  updatedAt?: string;
  publishedAt?: string;
}

/**
 * An access profile as returned by the look-ups (camelCase, normalized): the fields the API guide
 * documents for a profile. Fields Veza adds beyond them are present at run time but not typed, so a
 * misspelt property does not compile.
 */
export interface AccessProfileInfo {
  id: string;
  name: string;
  profileType?: string;
  /** "INITIAL", "RUNNING", "PAUSED", "DRY_RUN" or "PENDING". */
  state?: string;
  description?: string;
  labels: string[];
  datasourceIds: string[];
  requireApprovalToStart?: boolean;
  catalogItemInfo?: Record<string, unknown>;
  customProperties?: Record<string, unknown>;
  accessRequestPolicyId?: string;
  currentVersionNumber?: number;
  draftVersionNumber?: number;
  integrations: string[];
  providerIds: string[];
  /** The current version, when the list carries it. */
  currentVersion?: AccessProfileVersionInfo;
  /** Ids of the profiles this one inherits from. */
  accessProfilesInherited: string[];
  /** Ids of the profiles that inherit from this one. */
  accessProfilesInheritedBy: string[];
  createdAt?: string;
  updatedAt?: string;
}

export function toProfileInfo(p: ApiProfile): AccessProfileInfo {
  return camelKeys(p) as unknown as AccessProfileInfo;
}

/**
 * Every access profile matching the filter, all pages read.
 *
 * @remarks
 * Look-ups call Veza whenever the program runs, `pulumi preview` included, so a program that uses
 * them needs `veza:url` and a token in preview too (a read-only token is enough). The connection
 * comes from the stack config, then the environment, as for the resources.
 *
 * @example
 * ```ts
 * const requestable = await veza.listAccessProfiles({ filter: veza.filter.co("labels", "requestable") });
 * export const requestableNames = requestable.map((p) => p.name);
 * ```
 */
export async function listAccessProfiles(args: ListAccessProfilesArgs = {}): Promise<AccessProfileInfo[]> {
  const api = new VezaApi(new VezaClient(args.connection));
  const out: AccessProfileInfo[] = [];
  for await (const p of api.listProfiles({ filter: args.filter, entityExtraInfo: args.entityExtraInfo })) out.push(toProfileInfo(p));
  return out;
}

/**
 * The integrations access profiles can use in this tenant (e.g. `"SALESFORCE"`), as the tenant lists them.
 *
 * @example
 * ```ts
 * const integrations = await veza.getAvailableIntegrations();
 * if (!integrations.includes("SALESFORCE")) throw new Error("this tenant has no Salesforce integration");
 * ```
 */
export async function getAvailableIntegrations(connection?: VezaClientOptions): Promise<string[]> {
  return new VezaApi(new VezaClient(connection)).availableIntegrations();
}

/**
 * `listAccessProfiles` taking Inputs (e.g. a filter built from another resource's id) and giving an Output.
 *
 * @example
 * ```ts
 * const roles = veza.listAccessProfilesOutput({ filter: roleType.id.apply((id) => veza.filter.eq("profile_type", id)) });
 * export const roleCount = roles.apply((ps) => ps.length);
 * ```
 */
export function listAccessProfilesOutput(
  args: { filter?: pulumi.Input<string>; entityExtraInfo?: pulumi.Input<boolean> } = {},
): pulumi.Output<AccessProfileInfo[]> {
  return output(args).apply((a) => listAccessProfiles({ filter: a.filter, entityExtraInfo: a.entityExtraInfo }));
}

/** `getAvailableIntegrations` as an Output (e.g. for `apply` in a resource's inputs). */
export function getAvailableIntegrationsOutput(): pulumi.Output<string[]> {
  return output(getAvailableIntegrations());
}
