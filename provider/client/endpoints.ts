/**
 * The one table of Veza API calls the provider makes. No other module holds a path string.
 *
 * Rows marked `documented: false` are assumptions that follow the API's resource-oriented
 * (Google AIP style) conventions; they live here so they are easy to correct, and each names its
 * documented fallback. GET of a type by id is not used at all: types are read from their list.
 */
export const BASE_PATH = "/api/private/lifecycle_management";

/** Items per page asked of the documented list calls (the largest page size the guide's examples use). */
export const LIST_PAGE_SIZE = 100;

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface Endpoint {
  readonly method: HttpMethod;
  /** Path template below {@link BASE_PATH}; `{name}` segments are filled and URL-encoded. */
  readonly path: string;
  /** The API guide (shared/veza-api/) documents this call with its path. */
  readonly documented: boolean;
  /**
   * For an assumed call: what the provider does where the tenant answers 404/405/501 (remembered per
   * process; never read as "the object is gone").
   */
  readonly fallback?: string;
}

export const ENDPOINTS = {
  createType: { method: "POST", path: "access_profiles_types", documented: true },
  listTypes: { method: "GET", path: "access_profiles_types", documented: true },
  updateType: { method: "PATCH", path: "access_profiles_types/{id}", documented: false, fallback: "a clear error at up naming the type and the fields (no other route changes a type)" },
  deleteType: { method: "DELETE", path: "access_profiles_types/{id}", documented: false, fallback: "listed still: dropped from the stack with a warning; not listed: gone" },
  createProfile: { method: "POST", path: "access_profiles", documented: true },
  listProfiles: { method: "GET", path: "access_profiles", documented: true },
  getProfile: { method: "GET", path: "access_profiles/{id}", documented: false, fallback: "used only with ?version=n for a non-current version; without it that version keeps its last state, with a warning" },
  updateProfile: { method: "PATCH", path: "access_profiles/{id}", documented: true },
  deleteProfile: { method: "DELETE", path: "access_profiles/{id}", documented: false, fallback: "listed still: retired (PAUSED, current version emptied) with a warning; not listed: gone" },
  updateVersion: { method: "PATCH", path: "access_profiles/{id}/versions/{version}", documented: true },
  listMembers: { method: "GET", path: "access_profiles/{id}/versions/{version}/members", documented: false, fallback: "named in the guide, path assumed: members from the list item (current_version.members, member_details); else the last known state, with a warning" },
  changeMembers: { method: "PUT", path: "access_profiles/{id}/versions/{version}/members", documented: false, fallback: "named in the guide, path and body assumed: none; a failed REMOVE on delete is an error unless the profile is no longer listed" },
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
