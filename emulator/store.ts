/** The in-memory tenant and the rules Veza enforces on it. Inputs are wire-format (snake_case) bodies. */
import { randomUUID } from "node:crypto";
import { alreadyExists, invalid, notFound, precondition } from "./errors";
import { integrationOf } from "./integrations";
import {
  PROFILE_STATES,
  VERSION_STATES,
  type AccessProfileRecord,
  type AccessProfileTypeRecord,
  type AccessProfileVersionRecord,
  type Entity,
  type Json,
  type JsonObject,
  type ProfileState,
  type TenantData,
  type VersionState,
} from "./types";
import {
  asBool,
  asEnum,
  asInt,
  asJsonArray,
  asObject,
  asObjectOrNull,
  asString,
  asStringArray,
  asStringOrNull,
  isPlainObject,
  ownEntry,
} from "./validate";

type Setter<R> = (rec: R, value: unknown) => void;

const TYPE_FIELDS: Record<string, Setter<AccessProfileTypeRecord>> = {
  name: (r, v) => (r.name = asString("name", v)),
  description: (r, v) => (r.description = asString("description", v)),
  allow_inherit_entities: (r, v) => (r.allow_inherit_entities = asBool("allow_inherit_entities", v)),
  allow_inherited_from_types: (r, v) => (r.allow_inherited_from_types = asStringArray("allow_inherited_from_types", v)),
  allow_create_relationships: (r, v) => (r.allow_create_relationships = asBool("allow_create_relationships", v)),
  require_single_datasource: (r, v) => (r.require_single_datasource = asBool("require_single_datasource", v)),
  require_single_integration: (r, v) => (r.require_single_integration = asBool("require_single_integration", v)),
  add_integration_prefix_to_access_profile_names: (r, v) =>
    (r.add_integration_prefix_to_access_profile_names = asBool("add_integration_prefix_to_access_profile_names", v)),
  max_entitlements: (r, v) => {
    const n = asInt("max_entitlements", v);
    if (n < 0) throw invalid(`invalid value for field "max_entitlements": must not be negative`);
    r.max_entitlements = n === 0 ? null : n;
  },
  create_entitlement_based_on_profile: (r, v) => (r.create_entitlement_based_on_profile = asBool("create_entitlement_based_on_profile", v)),
  create_entitlements: (r, v) => (r.create_entitlements = asJsonArray("create_entitlements", v)),
  no_entitlements: (r, v) => (r.no_entitlements = asBool("no_entitlements", v)),
  on_create_behavior: (r, v) => (r.on_create_behavior = asEnum("on_create_behavior", PROFILE_STATES, v, "INITIAL")),
  instructions: (r, v) => (r.instructions = asString("instructions", v)),
  time_before_sync_check_in_seconds: (r, v) => {
    const n = asInt("time_before_sync_check_in_seconds", v);
    if (n < 0) throw invalid(`invalid value for field "time_before_sync_check_in_seconds": must not be negative`);
    r.time_before_sync_check_in_seconds = n;
  },
  access_request_policy_id: (r, v) => (r.access_request_policy_id = asStringOrNull("access_request_policy_id", v)),
  allow_overwrite_of_access_request_policy: (r, v) =>
    (r.allow_overwrite_of_access_request_policy =
      v === null || v === undefined ? true : asBool("allow_overwrite_of_access_request_policy", v)),
  name_transformer: (r, v) => (r.name_transformer = asObjectOrNull("name_transformer", v)),
  remove_entitlement_on_member_upon_update: (r, v) =>
    (r.remove_entitlement_on_member_upon_update = asBool("remove_entitlement_on_member_upon_update", v)),
};
const TYPE_READ_ONLY = new Set(["id", "profiles_count", "integrations", "created_at", "updated_at", "rbac_id", "enabled"]);

const PROFILE_FIELDS: Record<string, Setter<AccessProfileRecord>> = {
  name: (r, v) => (r.name = asString("name", v)),
  description: (r, v) => (r.description = asString("description", v)),
  state: (r, v) => (r.state = asEnum("state", PROFILE_STATES, v, "INITIAL")),
  profile_type: (r, v) => (r.profile_type = asString("profile_type", v)),
  labels: (r, v) => (r.labels = asStringArray("labels", v)),
  datasource_ids: (r, v) => (r.datasource_ids = asStringArray("datasource_ids", v)),
  require_approval_to_start: (r, v) => (r.require_approval_to_start = asBool("require_approval_to_start", v)),
  catalog_item_info: (r, v) => (r.catalog_item_info = asObjectOrNull("catalog_item_info", v)),
  custom_properties: (r, v) => (r.custom_properties = asObject("custom_properties", v)),
  access_request_policy_id: (r, v) => (r.access_request_policy_id = asString("access_request_policy_id", v)),
};
const PROFILE_READ_ONLY = new Set([
  "id",
  "created_at",
  "updated_at",
  "created_by",
  "current_version_number",
  "draft_version_number",
  "current_version",
  "integrations",
  "provider_ids",
  "provider_external_ids",
  "access_profiles_inherited",
  "access_profiles_inherited_by",
  "inherits_from_other_profiles",
  "inherited_by_other_profiles",
  "used_by_workflow",
  "rbac_id",
  "profile_type_rbac_id",
  "member_details",
  "requestable",
]);

const VERSION_FIELDS: Record<string, Setter<AccessProfileVersionRecord>> = {
  // state is handled separately (it drives publishing)
  entities_to_create_relationships_to: (r, v) =>
    (r.entities_to_create_relationships_to = asEntities("entities_to_create_relationships_to", v)),
  inherit_entities_from_access_profiles: (r, v) =>
    (r.inherit_entities_from_access_profiles = asStringArray("inherit_entities_from_access_profiles", v)),
  access_request_policy_id: (r, v) => (r.access_request_policy_id = asString("access_request_policy_id", v)),
  application_datasource_id: (r, v) => (r.application_datasource_id = asString("application_datasource_id", v)),
  application_sync_identity_action: (r, v) => (r.application_sync_identity_action = asObjectOrNull("application_sync_identity_action", v)),
};
const VERSION_READ_ONLY = new Set([
  "access_profile_id",
  "version_number",
  "id",
  "version",
  "members",
  "rbac_id",
  "created_by",
  "created_at",
  "updated_at",
  "published_by",
  "published_at",
]);
/** Output-only extras an entity carries with entity_extra_info; dropped from input. */
const ENTITY_EXTRA = ["entity_name", "provider_id", "native_id"];

/** Entities are shape-checked here; the "missing field" rule is reported later with the profile's name. */
function asEntities(field: string, v: unknown): Entity[] {
  const arr = asJsonArray(field, v);
  return arr.map((e, i) => {
    if (!isPlainObject(e)) throw invalid(`invalid value for field "${field}[${i}]": expected an object`);
    const copy: JsonObject = { ...e };
    for (const k of ENTITY_EXTRA) delete copy[k];
    for (const k of ["entity_type", "datasource_id", "entity_id"]) {
      const val = copy[k];
      if (val === undefined || val === null) copy[k] = "";
      else if (typeof val !== "string") throw invalid(`invalid value for field "${field}[${i}].${k}": expected a string`);
    }
    return copy as Entity;
  });
}

/**
 * The documented sub-fields of the object fields whose zero value a tenant may fill in when a write
 * leaves them out (knob `objectDefaults`). The guide shows each object whole: catalog_item_info
 * {name, description, markdown_description, icon, recommended}, name_transformer
 * {destination_attribute, destination_value_formatter, continuous_sync, additional_value_formatter,
 * pipeline_functions, unique_identifier}, application_sync_identity_action {policy_id, name}. Only the
 * booleans and lists are filled: a server does not invent text.
 */
const OBJECT_DEFAULTS: Record<string, JsonObject> = {
  catalog_item_info: { recommended: false },
  name_transformer: { continuous_sync: false, additional_value_formatter: [], unique_identifier: false },
  application_sync_identity_action: {},
};

export class EmulatorStore {
  /** Fill the zero values of object fields' sub-fields a write left out (knob objectDefaults; set by the server per request). */
  objectDefaults = false;

  /** After a write: each object field of `rec` completed with OBJECT_DEFAULTS when the knob is on. */
  private completeObjects<T extends object>(rec: T): T {
    if (!this.objectDefaults) return rec;
    const r = rec as Record<string, unknown>;
    for (const [field, zero] of Object.entries(OBJECT_DEFAULTS)) {
      const v = r[field];
      if (isPlainObject(v)) r[field] = { ...structuredClone(zero), ...v };
    }
    return rec;
  }

  readonly types = new Map<string, AccessProfileTypeRecord>();
  readonly profiles = new Map<string, AccessProfileRecord>();
  /** identity id → display name for member listings. */
  readonly identities = new Map<string, string>();
  /** Called after every successful mutation (persistence hooks in here). */
  onChange: (() => void) | undefined;
  private lastTs = 0;

  now(): string {
    const t = Math.max(Date.now(), this.lastTs + 1);
    this.lastTs = t;
    return new Date(t).toISOString();
  }

  private changed(): void {
    this.onChange?.();
  }

  // ---------------------------------------------------------------- persistence

  toJSON(): TenantData {
    return {
      format: 1,
      types: [...this.types.values()],
      profiles: [...this.profiles.values()],
      identities: Object.fromEntries(this.identities),
    };
  }

  /** Replaces the whole tenant (no onChange). */
  load(data: TenantData): void {
    this.types.clear();
    this.profiles.clear();
    this.identities.clear();
    for (const t of data.types ?? []) this.types.set(t.id, t);
    for (const p of data.profiles ?? []) this.profiles.set(p.id, p);
    for (const [k, v] of Object.entries(data.identities ?? {})) this.identities.set(k, v);
  }

  clear(): void {
    this.types.clear();
    this.profiles.clear();
    this.identities.clear();
    this.changed();
  }

  // ---------------------------------------------------------------- types

  findType(id: string): AccessProfileTypeRecord | undefined {
    return this.types.get(id);
  }

  findTypeByName(name: string): AccessProfileTypeRecord | undefined {
    for (const t of this.types.values()) if (t.name === name) return t;
    return undefined;
  }

  getType(id: string): AccessProfileTypeRecord {
    const t = this.types.get(id);
    if (!t) throw notFound(`access profile type ${id} not found`);
    return t;
  }

  listTypes(): AccessProfileTypeRecord[] {
    return [...this.types.values()];
  }

  profilesOfType(typeId: string): AccessProfileRecord[] {
    return [...this.profiles.values()].filter((p) => p.profile_type === typeId);
  }

  typeIntegrations(typeId: string): string[] {
    const set = new Set<string>();
    for (const p of this.profilesOfType(typeId)) for (const i of this.profileIntegrations(p)) set.add(i);
    return [...set].sort();
  }

  createType(body: unknown): AccessProfileTypeRecord {
    if (!isPlainObject(body)) throw invalid("request body must be a JSON object");
    const ts = this.now();
    const rec: AccessProfileTypeRecord = {
      id: randomUUID(),
      name: "",
      description: "",
      allow_inherit_entities: false,
      allow_inherited_from_types: [],
      allow_create_relationships: false,
      require_single_datasource: false,
      require_single_integration: false,
      add_integration_prefix_to_access_profile_names: false,
      max_entitlements: null,
      create_entitlement_based_on_profile: false,
      create_entitlements: [],
      no_entitlements: false,
      on_create_behavior: "INITIAL",
      instructions: "",
      time_before_sync_check_in_seconds: 0,
      access_request_policy_id: null,
      allow_overwrite_of_access_request_policy: true,
      name_transformer: null,
      remove_entitlement_on_member_upon_update: false,
      created_at: ts,
      updated_at: ts,
    };
    for (const [k, v] of Object.entries(body)) {
      const set = ownEntry(TYPE_FIELDS, k);
      if (set) set(rec, v);
      else if (!TYPE_READ_ONLY.has(k)) throw invalid(`unknown field "${k}" in access profile type`);
    }
    if (!rec.name.trim()) throw invalid(`missing required field "name"`);
    if (this.findTypeByName(rec.name)) throw alreadyExists(`access profile type "${rec.name}" already exists`);
    this.checkTypeRefs(rec);
    this.types.set(rec.id, this.completeObjects(rec));
    this.changed();
    return rec;
  }

  updateType(id: string, body: unknown, mask: string[] | undefined): AccessProfileTypeRecord {
    const cur = this.getType(id);
    if (!isPlainObject(body)) throw invalid("request body must be a JSON object");
    const next: AccessProfileTypeRecord = structuredClone(cur);
    for (const field of mask ?? Object.keys(body)) {
      const set = ownEntry(TYPE_FIELDS, field);
      if (!set) {
        if (TYPE_READ_ONLY.has(field)) throw invalid(`field "${field}" of access profile type cannot be updated`);
        throw invalid(`unknown field "${field}" in update of access profile type`);
      }
      set(next, body[field]);
    }
    if (!next.name.trim()) throw invalid(`missing required field "name"`);
    const clash = this.findTypeByName(next.name);
    if (clash && clash.id !== id) throw alreadyExists(`access profile type "${next.name}" already exists`);
    this.checkTypeRefs(next);
    next.updated_at = this.now();
    this.types.set(id, this.completeObjects(next));
    this.changed();
    return next;
  }

  private checkTypeRefs(rec: AccessProfileTypeRecord): void {
    for (const ref of rec.allow_inherited_from_types) {
      if (ref !== rec.id && !this.types.has(ref)) {
        throw invalid(`access profile type "${rec.name}": allow_inherited_from_types names unknown access profile type ${ref}`);
      }
    }
  }

  deleteType(id: string): void {
    const t = this.getType(id);
    const n = this.profilesOfType(id).length;
    if (n > 0) {
      throw precondition(`access profile type "${t.name}" still has ${n} access profile${n === 1 ? "" : "s"}; delete them first`);
    }
    const users = [...this.types.values()].filter((o) => o.id !== id && o.allow_inherited_from_types.includes(id));
    for (const u of users) {
      u.allow_inherited_from_types = u.allow_inherited_from_types.filter((x) => x !== id);
      u.updated_at = this.now();
    }
    this.types.delete(id);
    this.changed();
  }

  // ---------------------------------------------------------------- profiles

  findProfile(id: string): AccessProfileRecord | undefined {
    return this.profiles.get(id);
  }

  findProfileByName(name: string): AccessProfileRecord | undefined {
    for (const p of this.profiles.values()) if (p.name === name) return p;
    return undefined;
  }

  getProfile(id: string): AccessProfileRecord {
    const p = this.profiles.get(id);
    if (!p) throw notFound(`access profile ${id} not found`);
    return p;
  }

  listProfiles(): AccessProfileRecord[] {
    return [...this.profiles.values()];
  }

  findVersion(p: AccessProfileRecord, n: number): AccessProfileVersionRecord | undefined {
    return p.versions.find((v) => v.version_number === n);
  }

  getVersion(p: AccessProfileRecord, n: number): AccessProfileVersionRecord {
    const v = this.findVersion(p, n);
    if (!v) throw notFound(`version ${n} of access profile ${p.id} not found`);
    return v;
  }

  currentVersion(p: AccessProfileRecord): AccessProfileVersionRecord | undefined {
    return this.findVersion(p, p.current_version_number);
  }

  profileIntegrations(p: AccessProfileRecord): string[] {
    const set = new Set<string>();
    for (const e of this.currentVersion(p)?.entities_to_create_relationships_to ?? []) {
      const i = integrationOf(e.entity_type);
      if (i) set.add(i);
    }
    return [...set].sort();
  }

  profileProviderIds(p: AccessProfileRecord): string[] {
    const set = new Set<string>();
    for (const e of this.currentVersion(p)?.entities_to_create_relationships_to ?? []) set.add(e.datasource_id);
    return [...set];
  }

  /** Ids of profiles whose current version inherits from `p`. */
  inheritedBy(p: AccessProfileRecord): string[] {
    return this.listProfiles()
      .filter((o) => o.id !== p.id && (this.currentVersion(o)?.inherit_entities_from_access_profiles ?? []).includes(p.id))
      .map((o) => o.id);
  }

  createProfile(body: unknown): { profile: AccessProfileRecord; version: AccessProfileVersionRecord } {
    if (!isPlainObject(body)) throw invalid("request body must be a JSON object");
    const ts = this.now();
    const id = randomUUID();
    const rec: AccessProfileRecord = {
      id,
      name: "",
      description: "",
      state: "INITIAL",
      profile_type: "",
      labels: [],
      datasource_ids: [],
      require_approval_to_start: false,
      catalog_item_info: null,
      custom_properties: {},
      access_request_policy_id: "",
      current_version_number: 1,
      draft_version_number: 0,
      versions: [],
      created_at: ts,
      updated_at: ts,
    };
    const version: AccessProfileVersionRecord = {
      version_number: 1,
      state: "PUBLISHED",
      entities_to_create_relationships_to: [],
      inherit_entities_from_access_profiles: [],
      members: [],
      access_request_policy_id: "",
      application_datasource_id: "",
      application_sync_identity_action: null,
      created_at: ts,
      updated_at: ts,
      published_at: ts,
    };
    let stateGiven = false;
    for (const [k, v] of Object.entries(body)) {
      const pset = ownEntry(PROFILE_FIELDS, k);
      const vset = ownEntry(VERSION_FIELDS, k);
      if (pset) pset(rec, v);
      if (vset) vset(version, v);
      if (k === "state" && v !== null && v !== undefined && v !== "") stateGiven = true;
      if (!pset && !vset && !PROFILE_READ_ONLY.has(k)) throw invalid(`unknown field "${k}" in access profile`);
    }
    if (!rec.name.trim()) throw invalid(`missing required field "name"`);
    if (!rec.profile_type) throw invalid(`access profile "${rec.name}": missing required field "profile_type"`);
    const type = this.findType(rec.profile_type);
    if (!type) throw invalid(`access profile "${rec.name}": profile type ${rec.profile_type} does not exist`);
    if (!stateGiven) rec.state = type.on_create_behavior;
    if (this.findProfileByName(rec.name)) throw alreadyExists(`access profile "${rec.name}" already exists`);
    this.checkVersionRules(rec, type, version);
    rec.versions.push(this.completeObjects(version));
    this.profiles.set(id, this.completeObjects(rec));
    this.changed();
    return { profile: rec, version };
  }

  updateProfile(id: string, body: unknown, mask: string[] | undefined): AccessProfileRecord {
    const cur = this.getProfile(id);
    if (!isPlainObject(body)) throw invalid("request body must be a JSON object");
    const next: AccessProfileRecord = structuredClone(cur);
    for (const field of mask ?? Object.keys(body)) {
      const set = ownEntry(PROFILE_FIELDS, field);
      if (!set) {
        if (ownEntry(VERSION_FIELDS, field)) {
          throw invalid(`field "${field}" cannot be updated on the access profile; update the version instead`);
        }
        if (PROFILE_READ_ONLY.has(field)) throw invalid(`field "${field}" of access profile cannot be updated`);
        throw invalid(`unknown field "${field}" in update of access profile`);
      }
      set(next, body[field]);
    }
    if (!next.name.trim()) throw invalid(`missing required field "name"`);
    const clash = this.findProfileByName(next.name);
    if (clash && clash.id !== id) throw alreadyExists(`access profile "${next.name}" already exists`);
    if (!this.findType(next.profile_type)) {
      throw invalid(`access profile "${next.name}": profile type ${next.profile_type} does not exist`);
    }
    next.updated_at = this.now();
    this.profiles.set(id, this.completeObjects(next));
    this.changed();
    return next;
  }

  deleteProfile(id: string): void {
    const p = this.getProfile(id);
    const inheritors = this.listProfiles().filter(
      (o) => o.id !== id && o.versions.some((v) => v.state !== "RETIRED" && v.inherit_entities_from_access_profiles.includes(id)),
    );
    if (inheritors.length > 0) {
      const names = inheritors.map((o) => `"${o.name}"`).join(", ");
      throw precondition(`access profile "${p.name}" is inherited by ${names}; remove the inheritance first`);
    }
    this.profiles.delete(id);
    this.changed();
  }

  // ---------------------------------------------------------------- versions

  updateVersion(id: string, n: number, body: unknown, mask: string[] | undefined): AccessProfileVersionRecord {
    const p = this.getProfile(id);
    if (!isPlainObject(body)) throw invalid("request body must be a JSON object");
    const highest = Math.max(0, ...p.versions.map((v) => v.version_number));
    let existing = this.findVersion(p, n);
    const ts = this.now();
    let creating = false;
    if (!existing) {
      if (n !== highest + 1) throw notFound(`version ${n} of access profile ${p.id} not found`);
      if (p.draft_version_number !== 0) {
        throw precondition(`access profile "${p.name}" already has draft version ${p.draft_version_number}`);
      }
      const base = this.currentVersion(p);
      existing = {
        version_number: n,
        state: "DRAFT",
        entities_to_create_relationships_to: structuredClone(base?.entities_to_create_relationships_to ?? []),
        inherit_entities_from_access_profiles: [...(base?.inherit_entities_from_access_profiles ?? [])],
        members: [],
        access_request_policy_id: base?.access_request_policy_id ?? "",
        application_datasource_id: base?.application_datasource_id ?? "",
        application_sync_identity_action: structuredClone(base?.application_sync_identity_action ?? null),
        created_at: ts,
        updated_at: ts,
        published_at: null,
      };
      creating = true;
    }
    const next: AccessProfileVersionRecord = structuredClone(existing);
    let newState: VersionState | undefined;
    let contentChanged = false;
    for (const field of mask ?? Object.keys(body)) {
      if (field === "state") {
        // a masked state absent from the body leaves the state alone (it drives publishing, not content)
        if (body[field] !== undefined && body[field] !== null) newState = asEnum("state", VERSION_STATES, body[field], "DRAFT");
        continue;
      }
      const set = ownEntry(VERSION_FIELDS, field);
      if (!set) {
        if (VERSION_READ_ONLY.has(field)) {
          if (mask) throw invalid(`field "${field}" of access profile version cannot be updated`);
          // read-only fields echoed back in an unmasked body are ignored, but identity fields must agree with the path
          const val = body[field];
          const blank = val === undefined || val === null || val === "";
          if ((field === "access_profile_id" || field === "id") && !blank && val !== id) {
            throw invalid(`field "${field}" (${JSON.stringify(val)}) does not match the path (${id})`);
          }
          if ((field === "version_number" || field === "version") && !blank && String(val) !== String(n)) {
            throw invalid(`field "${field}" (${JSON.stringify(val)}) does not match the path (${n})`);
          }
          continue;
        }
        throw invalid(`unknown field "${field}" in update of access profile version`);
      }
      set(next, body[field]);
      contentChanged = true;
    }
    if (contentChanged && existing.state === "RETIRED") {
      throw precondition(`version ${n} of access profile "${p.name}" is retired and cannot be changed`);
    }
    const type = this.findType(p.profile_type);
    if (!type) throw precondition(`access profile "${p.name}": profile type ${p.profile_type} does not exist`);
    this.checkVersionRules(p, type, next);

    // state transitions
    const target = newState ?? next.state;
    if (target !== existing.state || creating) {
      if (target === "PUBLISHED") {
        for (const v of p.versions) {
          if (v.state === "PUBLISHED" && v.version_number !== n) {
            v.state = "RETIRED";
            v.updated_at = ts;
          }
        }
        next.state = "PUBLISHED";
        next.published_at = ts;
        p.current_version_number = n;
        if (p.draft_version_number === n) p.draft_version_number = 0;
      } else if (target === "DRAFT") {
        if (!creating) {
          throw precondition(`version ${n} of access profile "${p.name}" is ${existing.state} and cannot return to DRAFT`);
        }
        next.state = "DRAFT";
        p.draft_version_number = n;
      } else {
        // RETIRED: only a draft may be discarded this way
        if (existing.state !== "DRAFT" || creating) {
          throw precondition(`version ${n} of access profile "${p.name}" is ${existing.state}; only a draft can be retired`);
        }
        next.state = "RETIRED";
        p.draft_version_number = 0;
      }
    }
    next.updated_at = ts;
    const idx = p.versions.findIndex((v) => v.version_number === n);
    if (idx >= 0) p.versions[idx] = this.completeObjects(next);
    else p.versions.push(this.completeObjects(next));
    p.updated_at = ts;
    this.changed();
    return next;
  }

  /** The type rules Veza checks on profile create and version update. */
  private checkVersionRules(p: AccessProfileRecord, type: AccessProfileTypeRecord, v: AccessProfileVersionRecord): void {
    const who = `access profile "${p.name}"`;
    const entities = v.entities_to_create_relationships_to;
    const inherits = v.inherit_entities_from_access_profiles;
    entities.forEach((e, i) => {
      for (const f of ["entity_type", "datasource_id", "entity_id"] as const) {
        if (!e[f]) throw invalid(`${who}: entity ${i} is missing required field "${f}"`);
      }
    });
    if (entities.length > 0 && !type.allow_create_relationships) {
      throw invalid(`${who}: profile type "${type.name}" does not allow creating relationships to entities`);
    }
    if (inherits.length > 0 && !type.allow_inherit_entities) {
      throw invalid(`${who}: profile type "${type.name}" does not allow inheriting entities`);
    }
    for (const ref of inherits) {
      const other = ref === p.id ? p : this.findProfile(ref);
      if (!other) throw invalid(`${who}: inherited access profile ${ref} does not exist`);
      if (type.allow_inherited_from_types.length > 0 && !type.allow_inherited_from_types.includes(other.profile_type)) {
        const otherType = this.findType(other.profile_type)?.name ?? other.profile_type;
        throw invalid(
          `${who}: profile type "${type.name}" does not allow inheriting from access profile "${other.name}" of type "${otherType}"`,
        );
      }
    }
    const cycle = this.findCycle(p, v);
    if (cycle) throw invalid(`${who}: inheritance cycle ${cycle.map((x) => `"${x}"`).join(" -> ")}`);
    if (type.max_entitlements !== null && entities.length > type.max_entitlements) {
      throw invalid(
        `${who}: ${entities.length} entitlements exceed max_entitlements ${type.max_entitlements} of profile type "${type.name}"`,
      );
    }
    if (type.require_single_datasource) {
      const ds = [...new Set(entities.map((e) => e.datasource_id))];
      if (ds.length > 1) {
        throw invalid(`${who}: profile type "${type.name}" requires a single datasource, got ${ds.length} (${ds.join(", ")})`);
      }
    }
    if (type.require_single_integration) {
      const ints = [...new Set(entities.map((e) => integrationOf(e.entity_type)).filter((x): x is string => !!x))];
      if (ints.length > 1) {
        throw invalid(`${who}: profile type "${type.name}" requires a single integration, got ${ints.join(", ")}`);
      }
    }
  }

  /**
   * Inheritance edges: every non-retired version of every profile; for `p`, its other non-retired
   * versions plus the proposed one. Returns the cycle's names from `p` back to `p`, if any.
   */
  private findCycle(p: AccessProfileRecord, proposed: AccessProfileVersionRecord): string[] | undefined {
    const edges = (id: string): string[] => {
      const prof = id === p.id ? p : this.findProfile(id);
      if (!prof) return [];
      const out = new Set<string>();
      for (const v of prof.versions) {
        if (id === p.id && v.version_number === proposed.version_number) continue;
        if (v.state !== "RETIRED") for (const x of v.inherit_entities_from_access_profiles) out.add(x);
      }
      if (id === p.id) for (const x of proposed.inherit_entities_from_access_profiles) out.add(x);
      return [...out];
    };
    const nameOf = (id: string): string => (id === p.id ? p.name : (this.findProfile(id)?.name ?? id));
    const seen = new Set<string>();
    const dfs = (id: string, path: string[]): string[] | undefined => {
      for (const next of edges(id)) {
        if (next === p.id) return [...path, next];
        if (seen.has(next)) continue;
        seen.add(next);
        const found = dfs(next, [...path, next]);
        if (found) return found;
      }
      return undefined;
    };
    const path = dfs(p.id, [p.id]);
    return path?.map(nameOf);
  }

  // ---------------------------------------------------------------- members

  listMembers(id: string, n: number): AccessProfileVersionRecord["members"] {
    return this.getVersion(this.getProfile(id), n).members;
  }

  /** ADD is idempotent; REMOVE of a non-member is a no-op. Returns the access request id. */
  changeMembers(id: string, n: number, body: unknown): string {
    const p = this.getProfile(id);
    const v = this.getVersion(p, n);
    if (!isPlainObject(body)) throw invalid("request body must be a JSON object");
    const bodyId = body.access_profile_id;
    if (bodyId !== undefined && bodyId !== null && bodyId !== "" && bodyId !== id) {
      throw invalid(`access_profile_id ${JSON.stringify(bodyId)} does not match the path (${id})`);
    }
    const bodyVersion = body.version_number;
    if (bodyVersion !== undefined && bodyVersion !== null && bodyVersion !== "" && asInt("version_number", bodyVersion) !== n) {
      throw invalid(`version_number ${JSON.stringify(bodyVersion)} does not match the path (${n})`);
    }
    for (const k of Object.keys(body)) {
      if (!["access_profile_id", "version_number", "type", "identity_ids"].includes(k)) {
        throw invalid(`unknown field "${k}" in member change`);
      }
    }
    const type = asEnum("type", ["UNSPECIFIED", "ADD", "REMOVE"] as const, body.type, "UNSPECIFIED");
    if (type === "UNSPECIFIED") throw invalid(`missing required field "type": allowed values are ADD (1), REMOVE (2)`);
    const ids = asStringArray("identity_ids", body.identity_ids);
    if (ids.some((x) => !x)) throw invalid(`invalid value for field "identity_ids": empty identity id`);
    const ts = this.now();
    if (type === "ADD") {
      const have = new Set(v.members.map((m) => m.identity_id));
      for (const x of ids) {
        if (have.has(x)) continue;
        have.add(x);
        v.members.push({ identity_id: x, identity_name: this.identities.get(x) ?? x, created_from: 1, workflow: "", created_at: ts });
      }
    } else {
      const drop = new Set(ids);
      v.members = v.members.filter((m) => !drop.has(m.identity_id));
    }
    v.updated_at = ts;
    this.changed();
    return randomUUID();
  }
}

export type { ProfileState, Json };
