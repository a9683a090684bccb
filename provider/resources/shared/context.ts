/**
 * What a resource's calls get from the provider process, passed in (never a module-level global):
 * the API client for the stack's settings, and the way to warn the user.
 */
import { VezaApi } from "../../client/api";
import { VezaClient } from "../../client/client";
import { Credentials } from "../../client/credentials";
import { processPacers, type Pacers } from "../../client/limiter";
import { pulumiWarn } from "../../client/log";
import type { StackConfig } from "../../config";

export interface ProviderContext {
  /** The tenant's API: one client, so one connection pool, one pacing and one view of the lists per process. */
  readonly api: VezaApi;
  /** A warning the Pulumi CLI shows. */
  warn(message: string): void;
}

/**
 * The context for a stack's config (as `configure` received it). Settings are resolved at the first
 * request. It owns what the process learns about its tokens (refused, rotated); the pacing controller
 * comes from `pacers`, one per tenant (the process's by default: a tenant's limit is per tenant).
 */
export function createContext(stackConfig: StackConfig = {}, pacers: Pacers = processPacers): ProviderContext {
  return { api: new VezaApi(new VezaClient({ stackConfig, credentials: new Credentials(), pacers })), warn: pulumiWarn };
}
