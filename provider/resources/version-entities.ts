/**
 * The entities of an AccessProfileVersion: what makes two of them the same, when the program's
 * entities hold for the server's, the fields a rewrite must keep, and the open enums (`grantBy`,
 * `condition.type`) whose number for a name is learned from write responses. Only the version has
 * entities; the field table (shared/fields.ts) calls these through the field's `items` rules.
 */
import { camelKeys, prune, stableJson, type ItemRules } from "./shared/fields";
import { UNKNOWN } from "./shared/unknown";

type Entity = Record<string, unknown>;

/** The fields of an entity the program manages (anything else the server adds is not compared). */
const ENTITY_KEYS = [
  "entityType",
  "datasourceId",
  "entityId",
  "assignedToEntityType",
  "assignedToEntityId",
  "grantBy",
  "condition",
  "syncIdentityAction",
  "customProperties",
  "createdByAccessProfile",
];

/** The fields that tell one entity of a version from another. */
const ENTITY_IDENTITY = ["entityType", "datasourceId", "entityId", "assignedToEntityType", "assignedToEntityId"];

/** An entity (camelCase or snake_case, any extra read-only fields) reduced to its managed fields. */
export function entityCanon(e: unknown): Entity {
  if (e === UNKNOWN || !e || typeof e !== "object") return e as Entity;
  const c = camelKeys(e) as Entity;
  const out: Entity = {};
  for (const k of ENTITY_KEYS) if (c[k] !== undefined && c[k] !== null && c[k] !== "") out[k] = c[k];
  if (typeof out.grantBy === "string" && /^\d+$/.test(out.grantBy)) out.grantBy = Number(out.grantBy);
  const cond = out.condition as Entity | undefined;
  if (cond && typeof cond === "object" && typeof cond.type === "string" && /^\d+$/.test(cond.type))
    out.condition = { ...cond, type: Number(cond.type) };
  return prune(out) as Entity;
}

/** `want` (the program's entity) holds for `have` (the server's): every field the program set is equal. */
function entityHolds(want: Entity, have: Entity): boolean {
  // an entry that is not an object (only in values the check refuses, or in hand-edited state) holds only for the same value
  if (!want || typeof want !== "object" || !have || typeof have !== "object") return stableJson(want) === stableJson(have);
  return Object.keys(want).every((k) => stableJson(want[k]) === stableJson(have[k]));
}

/**
 * Pure: the program's entities (canonical) against the server's. Equal when they pair up one to
 * one and each pair agrees on every field the program set; fields only the server has (e.g.
 * `createdByAccessProfile`, or ones a list leaves out) are not the program's business.
 */
export function entitiesMatch(want: readonly Entity[], have: readonly Entity[]): boolean {
  if (want.length !== have.length) return false;
  const left = [...have];
  for (const w of want) {
    const i = left.findIndex((h) => entityHolds(w, h));
    if (i < 0) return false;
    left.splice(i, 1);
  }
  return true;
}

/** How the version's `entities` field is compared (the field table's `items` rules). */
export const ENTITY_RULES: ItemRules = { canon: entityCanon, match: entitiesMatch };

/**
 * The entities to send: each of the program's entities completed with the fields the server's
 * matching entity (same identity fields) has and the program did not set, so a rewrite keeps them.
 */
export function mergeEntities(want: readonly object[], have: readonly object[]): Entity[] {
  return pairEntities(want, have).map(([w, h]) => (h ? { ...h, ...w } : w));
}

/** Each of `want` with the entity of `have` that has the same identity fields (each used once), if any. */
function pairEntities(wanted: readonly object[], have: readonly object[]): [Entity, Entity | undefined][] {
  const left = [...have] as Entity[];
  return (wanted as readonly Entity[]).map((w) => {
    const i = left.findIndex((h) => ENTITY_IDENTITY.every((k) => w[k] === undefined || stableJson(w[k]) === stableJson(h[k])));
    return [w, i < 0 ? undefined : left.splice(i, 1)[0]];
  });
}

/**
 * The open enums of an entity: the guide names PolicyRules.GrantBy and the condition type without
 * listing their values, and Veza may answer a name with a number. What a name's number is gets
 * learned from write responses (`enumCodes` in a version's outputs: "grantBy:NAME" → number).
 */
export type EnumCodes = Record<string, number>;
const OPEN_ENUMS: { key: string; get(e: Entity): unknown; set(e: Entity, v: number): Entity }[] = [
  { key: "grantBy", get: (e) => e.grantBy, set: (e, v) => ({ ...e, grantBy: v }) },
  {
    key: "condition",
    get: (e) => (e.condition as Entity | undefined)?.type,
    set: (e, v) => ({ ...e, condition: { ...(e.condition as Entity), type: v } }),
  },
];

/** Codes learned from one write: a name sent and the number answered for the same entity (or the other way round). */
export function learnEnumCodes(sent: readonly object[], answered: readonly object[], known: EnumCodes = {}): EnumCodes {
  const codes = { ...known };
  for (const [s, a] of pairEntities(sent, answered)) {
    if (!a) continue;
    for (const en of OPEN_ENUMS) {
      const [x, y] = [en.get(s), en.get(a)];
      if (typeof x === "string" && typeof y === "number") codes[`${en.key}:${x.toUpperCase()}`] = y;
      if (typeof x === "number" && typeof y === "string") codes[`${en.key}:${y.toUpperCase()}`] = x;
    }
  }
  return codes;
}

/** Entities with every open-enum name whose number is known written as that number (so name and number compare equal). */
export function withEnumCodes(entities: unknown, codes: unknown): unknown {
  if (!Array.isArray(entities) || !codes || typeof codes !== "object") return entities;
  const known = codes as EnumCodes;
  return entities.map((e) => {
    if (!e || typeof e !== "object") return e;
    let out = e as Entity;
    for (const en of OPEN_ENUMS) {
      const v = en.get(out);
      const code = typeof v === "string" ? known[`${en.key}:${v.toUpperCase()}`] : undefined;
      if (code !== undefined) out = en.set(out, code);
    }
    return out;
  });
}
