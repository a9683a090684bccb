/**
 * Response encoding: builds the wire views of records and applies the encoding knobs
 * (enum names/numbers, integers as strings, version shape, how empty fields are written).
 */
import type { EmulatorKnobs } from "./knobs";
import type { EmulatorStore } from "./store";
import {
  PROFILE_STATES,
  VERSION_STATES,
  type AccessProfileRecord,
  type AccessProfileTypeRecord,
  type AccessProfileVersionRecord,
  type Entity,
  type Json,
  type JsonObject,
  type MemberRecord,
  type ProfileState,
  type VersionState,
} from "./types";

/** Numbers given to open enum names, process-wide so every response agrees (see Encoder.openEnum). */
const GRANT_BY = new Map<string, number>();
const CONDITION_TYPES = new Map<string, number>();

export class Encoder {
  constructor(
    private readonly knobs: EmulatorKnobs,
    private readonly rng: () => number,
  ) {}

  private coin(): boolean {
    return this.rng() < 0.5;
  }

  private enumValue(names: readonly string[], name: string): Json {
    const mode = this.knobs.enumEncoding;
    const asNumber = mode === "numbers" || (mode === "mixed" && this.coin());
    return asNumber ? names.indexOf(name) : name;
  }

  /**
   * Enums the guide names without listing their values (PolicyRules.GrantBy, the condition type):
   * with "numbers" a name is answered as the number this emulator gave it on first use.
   */
  private openEnum(table: Map<string, number>, value: string): Json {
    if (/^\d+$/.test(value) || (this.knobs.enumEncoding !== "numbers" && !(this.knobs.enumEncoding === "mixed" && this.coin())))
      return value;
    const key = value.toUpperCase();
    if (!table.has(key)) table.set(key, table.size + 1);
    return table.get(key)!;
  }

  profileState(s: ProfileState): Json {
    return this.enumValue(PROFILE_STATES, s);
  }

  versionState(s: VersionState): Json {
    return this.enumValue(VERSION_STATES, s);
  }

  int(n: number | null): Json {
    if (n === null) return null;
    const asString = this.knobs.enumEncoding === "mixed" ? this.coin() : this.knobs.numbersAsStrings;
    return asString ? String(n) : n;
  }

  entity(e: Entity, extra: boolean): JsonObject {
    const out: JsonObject = { ...e };
    if (typeof e.grant_by === "string") out.grant_by = this.openEnum(GRANT_BY, e.grant_by);
    const cond = e.condition;
    if (cond && typeof cond === "object" && !Array.isArray(cond) && typeof cond.type === "string") {
      out.condition = { ...cond, type: this.openEnum(CONDITION_TYPES, cond.type) };
    }
    if (extra) {
      const colon = e.entity_id.lastIndexOf(":");
      out.entity_name = colon >= 0 ? e.entity_id.slice(colon + 1) : e.entity_id;
      out.provider_id = e.datasource_id;
      out.native_id = e.entity_id;
    }
    return out;
  }

  type(t: AccessProfileTypeRecord, store: EmulatorStore): JsonObject {
    return {
      id: t.id,
      name: t.name,
      description: t.description,
      allow_inherit_entities: t.allow_inherit_entities,
      allow_inherited_from_types: [...t.allow_inherited_from_types],
      profiles_count: this.int(store.profilesOfType(t.id).length),
      integrations: store.typeIntegrations(t.id),
      allow_create_relationships: t.allow_create_relationships,
      require_single_datasource: t.require_single_datasource,
      require_single_integration: t.require_single_integration,
      add_integration_prefix_to_access_profile_names: t.add_integration_prefix_to_access_profile_names,
      max_entitlements: this.int(t.max_entitlements),
      create_entitlement_based_on_profile: t.create_entitlement_based_on_profile,
      create_entitlements: structuredClone(t.create_entitlements),
      no_entitlements: t.no_entitlements,
      on_create_behavior: this.profileState(t.on_create_behavior),
      instructions: t.instructions,
      time_before_sync_check_in_seconds: this.int(t.time_before_sync_check_in_seconds),
      access_request_policy_id: t.access_request_policy_id,
      allow_overwrite_of_access_request_policy: t.allow_overwrite_of_access_request_policy,
      name_transformer: structuredClone(t.name_transformer),
      remove_entitlement_on_member_upon_update: t.remove_entitlement_on_member_upon_update,
      created_at: t.created_at,
      updated_at: t.updated_at,
    };
  }

  version(p: AccessProfileRecord, v: AccessProfileVersionRecord, extra = false): JsonObject {
    const mode = this.knobs.versionShape;
    const short = mode === "short" || (mode === "mixed" && this.coin());
    const head: JsonObject = short
      ? { id: p.id, version: this.int(v.version_number) }
      : { access_profile_id: p.id, version_number: this.int(v.version_number) };
    return {
      ...head,
      state: this.versionState(v.state),
      entities_to_create_relationships_to: v.entities_to_create_relationships_to.map((e) => this.entity(e, extra)),
      inherit_entities_from_access_profiles: [...v.inherit_entities_from_access_profiles],
      members: v.members.map((m) => m.identity_id),
      access_request_policy_id: v.access_request_policy_id,
      application_datasource_id: v.application_datasource_id,
      application_sync_identity_action: structuredClone(v.application_sync_identity_action),
      created_at: v.created_at,
      updated_at: v.updated_at,
      published_at: v.published_at,
    };
  }

  profile(p: AccessProfileRecord, store: EmulatorStore, extra = false): JsonObject {
    const current = store.currentVersion(p);
    const inherited = current?.inherit_entities_from_access_profiles ?? [];
    const inheritedBy = store.inheritedBy(p);
    return {
      id: p.id,
      name: p.name,
      description: p.description,
      state: this.profileState(p.state),
      profile_type: p.profile_type,
      current_version_number: this.int(p.current_version_number),
      draft_version_number: this.int(p.draft_version_number),
      used_by_workflow: false,
      integrations: store.profileIntegrations(p),
      current_version: current ? this.version(p, current, extra) : null,
      access_profiles_inherited: [...inherited],
      access_profiles_inherited_by: inheritedBy,
      inherits_from_other_profiles: inherited.length > 0,
      inherited_by_other_profiles: inheritedBy.length > 0,
      labels: [...p.labels],
      provider_ids: store.profileProviderIds(p),
      datasource_ids: [...p.datasource_ids],
      require_approval_to_start: p.require_approval_to_start,
      catalog_item_info: structuredClone(p.catalog_item_info),
      access_request_policy_id: p.access_request_policy_id,
      custom_properties: structuredClone(p.custom_properties),
      created_at: p.created_at,
      updated_at: p.updated_at,
    };
  }

  member(p: AccessProfileRecord, m: MemberRecord): JsonObject {
    return {
      identity_id: m.identity_id,
      identity_name: m.identity_name,
      access_profile_id: p.id,
      created_from: m.created_from,
      workflow: m.workflow,
    };
  }

  /** Applies `emptyAs` to every object field of the response, recursively. */
  finalize(body: Json): Json {
    const mode = this.knobs.emptyAs;
    if (mode === "empty") return body;
    const isEmpty = (v: Json): boolean =>
      v === null ||
      v === "" ||
      v === false ||
      (Array.isArray(v) && v.length === 0) ||
      (typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);
    const walk = (v: Json): Json => {
      if (Array.isArray(v)) return v.map(walk);
      if (typeof v !== "object" || v === null) return v;
      const out: JsonObject = {};
      for (const [k, x] of Object.entries(v)) {
        const w = walk(x);
        if (!isEmpty(w)) out[k] = w;
        else if (mode === "null") out[k] = null;
      }
      return out;
    };
    return walk(body);
  }
}
