/**
 * pulumi-veza: manage Veza Lifecycle Management Access Profiles as code.
 *
 * import * as veza from "pulumi-veza";
 */
export {
  AccessProfileType,
  type AccessProfileTypeArgs,
  type AccessProfileTypeState,
  type ProfileStateName,
} from "./resources/access-profile-type";
export { AccessProfile, type AccessProfileArgs, type AccessProfileState, type CatalogItemInfo } from "./resources/access-profile";
export {
  AccessProfileVersion,
  type AccessProfileVersionArgs,
  type AccessProfileVersionState,
  type Entity,
  type EntityOutput,
  type EntityCondition,
  type SyncIdentityAction,
  type VersionStateName,
} from "./resources/access-profile-version";
export { ProfileMembership, type ProfileMembershipArgs, type ProfileMembershipState } from "./resources/profile-membership";
export type { ResourceState } from "./resources/shared/resource-class";
/** The values `ProfileStateName` and `VersionStateName` allow (e.g. to validate a catalog file before any request). */
export { PROFILE_STATES, VERSION_STATES } from "./client/api-objects";
export { VezaClient, type VezaClientOptions, type ClientEvent } from "./client/client";
export { VezaApi, type DeleteOutcome } from "./client/api";
/** Every error pulumi-veza throws is a `VezaError` with a stable `code`; check kinds with `VezaApiError.isInstance(e)` (works across copies of the package). */
export { VezaError, VezaApiError, VezaConfigError } from "./errors";
export type { Settings } from "./config";
export { ENDPOINTS, BASE_PATH } from "./client/endpoints";
export {
  listAccessProfiles,
  listAccessProfilesOutput,
  getAvailableIntegrations,
  getAvailableIntegrationsOutput,
  type AccessProfileInfo,
  type AccessProfileVersionInfo,
  type ListAccessProfilesArgs,
} from "./lookups";
export * as filter from "./filter";
/** @internal The dispatcher the serialized provider shell calls inside the provider process. */
export { $ } from "./resources/shared/runtime";
