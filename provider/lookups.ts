/** Plain async look-ups (and Output-friendly variants for use inside stacks). */
import * as pulumi from "@pulumi/pulumi";
import { VezaApi } from "./client/api";
import { VezaClient, type VezaClientOptions } from "./client/client";
import type { ApiProfile } from "./client/normalize";
import { camelKeys } from "./resources/shared/fields";

export interface ListAccessProfilesArgs {
  /** SCIM filter, best built with `filter` (e.g. `f.eq("profile_type", id)`). */
  filter?: string;
  /** Include extra entity details (names, provider ids). */
  entityExtraInfo?: boolean;
  /** Connection overrides; default: config/env as for the provider. */
  connection?: VezaClientOptions;
}

/** An access profile as returned by the look-ups (camelCase, normalized). */
export interface AccessProfileInfo {
  id: string;
  name: string;
  profileType?: string;
  state?: string;
  description?: string;
  labels: string[];
  currentVersionNumber?: number;
  draftVersionNumber?: number;
  integrations: string[];
  providerIds: string[];
  [key: string]: unknown;
}

export function toProfileInfo(p: ApiProfile): AccessProfileInfo {
  return camelKeys(p) as AccessProfileInfo;
}

/** Every access profile matching the filter (all pages read). */
export async function listAccessProfiles(args: ListAccessProfilesArgs = {}): Promise<AccessProfileInfo[]> {
  const api = new VezaApi(new VezaClient(args.connection));
  const out: AccessProfileInfo[] = [];
  for await (const p of api.listProfiles({ filter: args.filter, entityExtraInfo: args.entityExtraInfo })) out.push(toProfileInfo(p));
  return out;
}

/** Integrations that access profiles can use in this tenant. */
export async function getAvailableIntegrations(connection?: VezaClientOptions): Promise<string[]> {
  return new VezaApi(new VezaClient(connection)).availableIntegrations();
}

/** `listAccessProfiles` taking Inputs (e.g. a filter built from another resource's id) and giving an Output. */
export function listAccessProfilesOutput(args: { filter?: pulumi.Input<string>; entityExtraInfo?: pulumi.Input<boolean> } = {}): pulumi.Output<AccessProfileInfo[]> {
  return pulumi.output(args).apply((a) => listAccessProfiles({ filter: a.filter, entityExtraInfo: a.entityExtraInfo }));
}

/** `getAvailableIntegrations` as an Output. */
export function getAvailableIntegrationsOutput(): pulumi.Output<string[]> {
  return pulumi.output(getAvailableIntegrations());
}
