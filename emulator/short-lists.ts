/**
 * The `shortLists` knob: list items carry only the fields the API guide's list examples show
 * (shared/veza-api/access-profiles-api.txt, "Standard list response" for profiles and the short
 * GET access_profiles_types example). A real tenant's list may well leave out the rest, so a
 * client must not read a missing field as "empty". Written from the guide's examples.
 */
import type { Json } from "./types";

const TYPE_LIST_FIELDS = [
  "id",
  "allow_create_relationships",
  "allow_inherit_entities",
  "description",
  "integrations",
  "name",
  "profiles_count",
  "require_single_datasource",
];

const PROFILE_LIST_FIELDS = [
  "id",
  "name",
  "current_version_number",
  "state",
  "profile_type",
  "access_profiles_inherited",
  "access_profiles_inherited_by",
  "created_at",
  "created_by",
  "current_version",
  "description",
  "draft_version_number",
  "inherited_by_other_profiles",
  "inherits_from_other_profiles",
  "integrations",
  "provider_ids",
  "provider_external_ids",
  "labels",
  "updated_at",
  "used_by_workflow",
];

const VERSION_LIST_FIELDS = [
  "access_profile_id",
  "created_at",
  "created_by",
  "entities_to_create_relationships_to",
  "inherit_entities_from_access_profiles",
  "state",
  "updated_at",
  "version_number",
  // the "short" version shape's spellings of the same two fields
  "id",
  "version",
];

const ENTITY_LIST_FIELDS = ["entity_type", "datasource_id", "entity_id"];

function pick(obj: Json, keep: readonly string[]): Json {
  if (!obj || typeof obj !== "object" || Array.isArray(obj)) return obj;
  const out: Record<string, Json> = {};
  for (const k of keep) if ((obj as Record<string, Json>)[k] !== undefined) out[k] = (obj as Record<string, Json>)[k]!;
  return out;
}

export function shortType(t: Json): Json {
  return pick(t, TYPE_LIST_FIELDS);
}

export function shortProfile(p: Json): Json {
  const out = pick(p, PROFILE_LIST_FIELDS) as Record<string, Json>;
  const v = out.current_version;
  if (v && typeof v === "object" && !Array.isArray(v)) {
    const sv = pick(v, VERSION_LIST_FIELDS) as Record<string, Json>;
    const entities = sv.entities_to_create_relationships_to;
    if (Array.isArray(entities)) sv.entities_to_create_relationships_to = entities.map((e) => pick(e, ENTITY_LIST_FIELDS));
    out.current_version = sv;
  }
  return out;
}
