/**
 * The one table of Veza API calls the provider makes. No other module holds a path string.
 *
 * Rows marked `documented: false` are assumptions that follow the API's resource-oriented
 * (Google AIP style) conventions; they live here so they are easy to correct.
 */
export const BASE_PATH = "/api/private/lifecycle_management";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface Endpoint {
  readonly method: HttpMethod;
  /** Path template below {@link BASE_PATH}; `{name}` segments are filled and URL-encoded. */
  readonly path: string;
  readonly documented: boolean;
}

export const ENDPOINTS = {
  createType: { method: "POST", path: "access_profiles_types", documented: true },
  listTypes: { method: "GET", path: "access_profiles_types", documented: true },
  getType: { method: "GET", path: "access_profiles_types/{id}", documented: false },
  updateType: { method: "PATCH", path: "access_profiles_types/{id}", documented: false },
  deleteType: { method: "DELETE", path: "access_profiles_types/{id}", documented: false },
  createProfile: { method: "POST", path: "access_profiles", documented: true },
  listProfiles: { method: "GET", path: "access_profiles", documented: true },
  getProfile: { method: "GET", path: "access_profiles/{id}", documented: false },
  updateProfile: { method: "PATCH", path: "access_profiles/{id}", documented: true },
  deleteProfile: { method: "DELETE", path: "access_profiles/{id}", documented: false },
  updateVersion: { method: "PATCH", path: "access_profiles/{id}/versions/{version}", documented: true },
  listMembers: { method: "GET", path: "access_profiles/{id}/versions/{version}/members", documented: true },
  changeMembers: { method: "PUT", path: "access_profiles/{id}/versions/{version}/members", documented: true },
  availableIntegrations: { method: "GET", path: "access_profiles:available_integrations", documented: true },
} as const satisfies Record<string, Endpoint>;

export type EndpointName = keyof typeof ENDPOINTS;

/** Fills a template's `{name}` segments (URL-encoded) and prefixes the base path. */
export function renderPath(template: string, params: Record<string, string | number> = {}): string {
  const filled = template.replace(/\{(\w+)\}/g, (_m, key: string) => {
    const value = params[key];
    if (value === undefined || value === "") throw new Error(`missing path parameter "${key}" for ${template}`);
    return encodeURIComponent(String(value));
  });
  return `${BASE_PATH}/${filled}`;
}
