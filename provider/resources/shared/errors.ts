/**
 * Errors the resources raise. Each has a stable `code` (match on it, never on the text) and keeps
 * the error it came from as `cause` (a `VezaApiError` carries the status, route and request id).
 */

export type ResourceErrorCode =
  /** Create or rename: Veza already has an object of that name (409). */
  | "VEZA_NAME_TAKEN"
  /** The tenant has no route to change an access profile type. */
  | "VEZA_TYPE_UPDATE_UNSUPPORTED"
  /** An object the resource names (its id, its profile) is not in Veza. */
  | "VEZA_NOT_FOUND"
  /** The profile has no current version to write to. */
  | "VEZA_NO_CURRENT_VERSION"
  /** An id that is not of the resource's form (`<profileId>/versions/<n>[/members]`). */
  | "VEZA_BAD_ID"
  /** Veza refused a version's content (400/404 on its PATCH). */
  | "VEZA_VERSION_REJECTED"
  /** A version's content cannot be read on this tenant, and the resource needs it (adopting). */
  | "VEZA_VERSION_UNREADABLE"
  /** The members of a version cannot be read on this tenant, and the resource needs them (exclusive). */
  | "VEZA_MEMBERS_UNREADABLE"
  /** Veza answered a membership change with an error message. */
  | "VEZA_MEMBERS_NOT_ACCEPTED"
  /** Removing members failed while the profile still exists: they may still hold it. */
  | "VEZA_MEMBERS_NOT_REMOVED"
  /** A profile others inherit from cannot be retired (the tenant cannot delete it). */
  | "VEZA_PROFILE_INHERITED";

export class VezaResourceError extends Error {
  constructor(
    readonly code: ResourceErrorCode,
    message: string,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "VezaResourceError";
  }
}
