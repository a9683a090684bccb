/**
 * The API objects as the provider reads them (after client/normalize.ts: snake_case as the API
 * names fields, enums as names, absent rather than null or "", lists always arrays), written out as
 * plain types. They are part of the public typings (`VezaApi`'s answers, `AccessProfileInfo`), and
 * a published `.d.ts` must not load a dependency's types: a user's `tsc` would check zod's own
 * typings under the user's flags, which fails without `esModuleInterop` (issue 29). normalize.ts
 * checks at compile time that each of its schemas parses to exactly the type here.
 */

/** States of a profile (and a type's `on_create_behavior`), in proto order: the one list the provider has. */
export const PROFILE_STATES = ["INITIAL", "RUNNING", "PAUSED", "DRY_RUN", "PENDING"] as const;
/** Version states; proto order assumed DRAFT=0, PUBLISHED=1, RETIRED=2 (not documented). */
export const VERSION_STATES = ["DRAFT", "PUBLISHED", "RETIRED"] as const;
/** A profile's lifecycle state (a type's `onCreateBehavior` too). */
export type ProfileStateName = (typeof PROFILE_STATES)[number];
/** A version's state. */
export type VersionStateName = (typeof VERSION_STATES)[number];

type ApiMap = Record<string, unknown>;

/** An entity a version grants. Fields the API adds later are kept (index signature). */
export interface ApiEntity {
  [field: string]: unknown;
  entity_type?: string;
  datasource_id?: string;
  entity_id?: string;
  assigned_to_entity_type?: string;
  assigned_to_entity_id?: string;
  grant_by?: string | number;
  condition?: ApiMap;
  sync_identity_action?: ApiMap;
  custom_properties?: ApiMap;
}

/** A version of a profile (its entities, inheritance and members). */
export interface ApiVersion {
  [field: string]: unknown;
  access_profile_id?: string;
  version_number?: number;
  /** A `VersionStateName`, or `UNKNOWN_<n>` for a code the provider does not know. */
  state?: string;
  entities_to_create_relationships_to: ApiEntity[];
  inherit_entities_from_access_profiles: string[];
  /** Identity ids; absent (not []) when the response did not carry the field. */
  members?: string[];
  access_request_policy_id?: string;
  application_datasource_id?: string;
  application_sync_identity_action?: ApiMap;
  created_at?: string;
  updated_at?: string;
  published_at?: string;
}

/** An access profile type. */
export interface ApiType {
  [field: string]: unknown;
  id: string;
  name?: string;
  description?: string;
  allow_inherit_entities?: boolean;
  allow_inherited_from_types: string[];
  allow_create_relationships?: boolean;
  require_single_datasource?: boolean;
  require_single_integration?: boolean;
  add_integration_prefix_to_access_profile_names?: boolean;
  max_entitlements?: number;
  create_entitlement_based_on_profile?: boolean;
  create_entitlements: unknown[];
  no_entitlements?: boolean;
  /** A `ProfileStateName`, or `UNKNOWN_<n>`. */
  on_create_behavior?: string;
  instructions?: string;
  time_before_sync_check_in_seconds?: number;
  access_request_policy_id?: string;
  allow_overwrite_of_access_request_policy?: boolean;
  name_transformer?: ApiMap;
  remove_entitlement_on_member_upon_update?: boolean;
  profiles_count?: number;
  integrations: string[];
  created_at?: string;
  updated_at?: string;
}

/** An access profile, with its current version when the answer carried it. */
export interface ApiProfile {
  [field: string]: unknown;
  id: string;
  name?: string;
  description?: string;
  /** A `ProfileStateName`, or `UNKNOWN_<n>`. */
  state?: string;
  profile_type?: string;
  labels: string[];
  datasource_ids: string[];
  require_approval_to_start?: boolean;
  catalog_item_info?: ApiMap;
  custom_properties?: ApiMap;
  access_request_policy_id?: string;
  current_version_number?: number;
  draft_version_number?: number;
  integrations: string[];
  provider_ids: string[];
  current_version?: ApiVersion;
  access_profiles_inherited: string[];
  access_profiles_inherited_by: string[];
  created_at?: string;
  updated_at?: string;
}

/** A member of a profile's version. */
export interface ApiMember {
  [field: string]: unknown;
  identity_id: string;
  identity_name?: string;
  access_profile_id?: string;
  created_from?: unknown;
  workflow?: string;
}
