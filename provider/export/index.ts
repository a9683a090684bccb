/** `pulumi-veza export`: read a tenant and write a TypeScript program that declares it. */
import { VezaApi } from "../client/api";
import { VezaClient, type VezaClientOptions } from "../client/client";
import { generateProgram, type GenerateOptions } from "./generate";
import { readTenant, type Tenant } from "./read";

export { ExportError, generateProgram, type GenerateOptions } from "./generate";
export { readTenant, type Tenant, type TenantProfile, type ReadOptions } from "./read";

export interface ExportOptions extends GenerateOptions {
  /** Connection overrides; default: config/env as for the provider (VEZA_URL, VEZA_API_TOKEN / VEZA_TOKEN). */
  connection?: VezaClientOptions;
  /** An API to use instead of one built from `connection` (tests). */
  api?: VezaApi;
  /** Progress lines for large tenants ("read 120/200 profiles…"). */
  onProgress?: (line: string) => void;
}

/** Reads the tenant and returns the program's text (and the tenant it was made from). */
export async function exportTenant(opts: ExportOptions = {}): Promise<{ program: string; tenant: Tenant }> {
  const api = opts.api ?? new VezaApi(new VezaClient(opts.connection));
  const tenant = await readTenant(api, { onProgress: opts.onProgress });
  const source = opts.source ?? safeOrigin(api.client.settings.url);
  return { program: generateProgram(tenant, { ...opts, source }), tenant };
}

/** The tenant's origin only (no path, query or credentials) for the header comment. */
function safeOrigin(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
