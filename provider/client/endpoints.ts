/**
 * The one table of Veza API calls the provider makes. No other module holds a path string.
 *
 * Rows marked `documented: false` are assumptions that follow the API's resource-oriented
 * (Google AIP style) conventions; they live here so they are easy to correct, and each names its
 * documented fallback. GET of a type by id is not used at all: types are read from their list.
 * `documented: true`: the API guide (../shared/veza-api/) or Veza's public API reference
 * ({@link VEZA_REFERENCE}) gives the method and path.
 */
import { VezaInternalError } from "../errors";

/** Veza's public API reference for access profiles (Developers › API › Lifecycle Management › Access Profiles). */
export const VEZA_REFERENCE = "https://docs.veza.com/4yItIzMvkpAvMVFAamTf/developers/api/lifecycle-management/accessprofiles";
export const BASE_PATH = "/api/private/lifecycle_management";

/** Items per page asked of the documented list calls (the largest page size the guide's examples use). */
export const LIST_PAGE_SIZE = 100;

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface Endpoint {
  readonly method: HttpMethod;
  /** Path template below {@link BASE_PATH}; `{name}` segments are filled and URL-encoded. */
  readonly path: string;
  /** The API guide (shared/veza-api/) or Veza's public reference documents this call with its path. */
  readonly documented: boolean;
  /** Where it is documented, when not in the guide itself (a page of the public reference). */
  readonly reference?: string;
  /**
   * For an assumed call: what the provider does where the tenant answers 404/405/501 (remembered per
   * process; never read as "the object is gone").
   */
  readonly fallback?: string;
}

export const ENDPOINTS = {
  createType: { method: "POST", path: "access_profiles_types", documented: true },
  listTypes: { method: "GET", path: "access_profiles_types", documented: true },
  updateType: {
    method: "PATCH",
    path: "access_profiles_types/{id}",
    documented: false,
    fallback: "a clear error at up naming the type and the fields (no other route changes a type)",
  },
  deleteType: {
    method: "DELETE",
    path: "access_profiles_types/{id}",
    documented: false,
    fallback: "listed still: dropped from the stack with a warning; not listed: gone",
  },
  createProfile: { method: "POST", path: "access_profiles", documented: true },
  listProfiles: { method: "GET", path: "access_profiles", documented: true },
  getProfile: {
    method: "GET",
    path: "access_profiles/{id}",
    documented: false,
    fallback: "used only with ?version=n for a non-current version; without it that version keeps its last state, with a warning",
  },
  updateProfile: { method: "PATCH", path: "access_profiles/{id}", documented: true },
  deleteProfile: {
    method: "DELETE",
    path: "access_profiles/{id}",
    documented: false,
    fallback: "listed still: retired (PAUSED, current version emptied) with a warning; not listed: gone",
  },
  updateVersion: { method: "PATCH", path: "access_profiles/{id}/versions/{version}", documented: true },
  // Documented by the public reference: path, entries (identity_id, identity_name, access_profile_id,
  // access_profile_name, created_from, workflow). Its list wrapper is not shown: read as every list's
  // `values`, strictly (another wrapper is an error, never "no members"). Members still come from the
  // list item first (current_version.members, member_details), which costs no request.
  listMembers: {
    method: "GET",
    path: "access_profiles/{id}/versions/{version}/members",
    documented: true,
    reference: `${VEZA_REFERENCE}/listaccessprofilemembers`,
  },
  // Documented by the public reference: body {access_profile_id, version_number, type ADD | REMOVE,
  // identity_ids}, answer {access_request_id, access_request_error_message}.
  changeMembers: {
    method: "PUT",
    path: "access_profiles/{id}/versions/{version}/members",
    documented: true,
    reference: `${VEZA_REFERENCE}/updateaccessprofilemembers`,
  },
  availableIntegrations: { method: "GET", path: "access_profiles:available_integrations", documented: true },
} as const satisfies Record<string, Endpoint>;

export type EndpointName = keyof typeof ENDPOINTS;

/** The keys of a list page besides its `values` (the guide's list responses: `{values, next_page_token, has_more}`). */
export const PAGING_KEYS: readonly string[] = ["next_page_token", "has_more"];

/** A call as messages name it: `GET access_profiles/{id}/versions/{version}/members`. */
export function routeName(name: EndpointName): string {
  return `${ENDPOINTS[name].method} ${ENDPOINTS[name].path}`;
}

/** Fills a template's `{name}` segments (URL-encoded) and prefixes the base path. */
export function renderPath(template: string, params: Record<string, string | number> = {}): string {
  const filled = template.replace(/\{(\w+)\}/g, (_m, key: string) => {
    const value = params[key];
    if (value === undefined || value === "") throw new VezaInternalError(`missing path parameter "${key}" for ${template}`);
    return encodeURIComponent(String(value));
  });
  return `${BASE_PATH}/${filled}`;
}
