/** The emulator's in-memory tenant: canonical records (enum names, plain numbers, standard shapes). */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const PROFILE_STATES = ["INITIAL", "RUNNING", "PAUSED", "DRY_RUN", "PENDING"] as const;
export type ProfileState = (typeof PROFILE_STATES)[number];

export const VERSION_STATES = ["DRAFT", "PUBLISHED", "RETIRED"] as const;
export type VersionState = (typeof VERSION_STATES)[number];

export const MEMBER_CHANGE_TYPES = ["UNSPECIFIED", "ADD", "REMOVE"] as const;

/** An entity a version creates a relationship to; fields beyond the three required ones are kept as sent. */
export interface Entity {
  entity_type: string;
  datasource_id: string;
  entity_id: string;
  [key: string]: Json;
}

export interface AccessProfileTypeRecord {
  id: string;
  name: string;
  description: string;
  allow_inherit_entities: boolean;
  allow_inherited_from_types: string[];
  allow_create_relationships: boolean;
  require_single_datasource: boolean;
  require_single_integration: boolean;
  add_integration_prefix_to_access_profile_names: boolean;
  max_entitlements: number | null;
  create_entitlement_based_on_profile: boolean;
  create_entitlements: Json[];
  no_entitlements: boolean;
  on_create_behavior: ProfileState;
  instructions: string;
  time_before_sync_check_in_seconds: number;
  access_request_policy_id: string | null;
  allow_overwrite_of_access_request_policy: boolean;
  name_transformer: JsonObject | null;
  remove_entitlement_on_member_upon_update: boolean;
  created_at: string;
  updated_at: string;
}

export interface MemberRecord {
  identity_id: string;
  identity_name: string;
  created_from: number;
  workflow: string;
  created_at: string;
}

export interface AccessProfileVersionRecord {
  version_number: number;
  state: VersionState;
  entities_to_create_relationships_to: Entity[];
  inherit_entities_from_access_profiles: string[];
  members: MemberRecord[];
  access_request_policy_id: string;
  application_datasource_id: string;
  application_sync_identity_action: JsonObject | null;
  created_at: string;
  updated_at: string;
  published_at: string | null;
}

export interface AccessProfileRecord {
  id: string;
  name: string;
  description: string;
  state: ProfileState;
  profile_type: string;
  labels: string[];
  datasource_ids: string[];
  require_approval_to_start: boolean;
  catalog_item_info: JsonObject | null;
  custom_properties: JsonObject;
  access_request_policy_id: string;
  current_version_number: number;
  /** 0 when the profile has no draft. */
  draft_version_number: number;
  versions: AccessProfileVersionRecord[];
  created_at: string;
  updated_at: string;
}

/** What `--data FILE` holds. */
export interface TenantData {
  format: 1;
  types: AccessProfileTypeRecord[];
  profiles: AccessProfileRecord[];
  /** identity id → display name, used for member listings (unknown ids list their id as name). */
  identities: Record<string, string>;
}
