/**
 * The field table each resource declares, and what it drives: inputs → API body, API object →
 * outputs, and the pure diff on normalized values (set-like lists sorted, enum numbers equal to
 * names, absent = null = "" = default) that also yields the `update_mask`.
 */
import { enumName, presentFields, text, toInt } from "../../client/normalize";
import { containsUnknown, UNKNOWN } from "./unknown";

export type FieldKind = "string" | "bool" | "int" | "enum" | "set" | "object" | "map" | "list" | "entities";

export interface Field {
  /** camelCase input/output name. */
  input: string;
  /** snake_case API field ("" for an input that is compared but is not a field of the API object). */
  api: string;
  kind: FieldKind;
  enumNames?: readonly string[];
  /** Unset means the kind's empty value (compared as such) instead of "not managed". */
  managedWhenAbsent?: boolean;
}
// An input the program does not set (absent or null) is not managed: it is never sent, never a
// diff, and the server's value is kept (creating or adopting clears nothing the program did not
// mention). An explicit empty value ("", [], false) is managed and clears.

const SKIP = Symbol("skip");
type Canon = unknown;

// ---- key case conversion (never applied to user maps such as customProperties) ----
const toSnake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const toCamel = (k: string) => k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

function convertKeys(v: unknown, conv: (k: string) => string): unknown {
  if (Array.isArray(v)) return v.map((x) => convertKeys(x, conv));
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      // custom_properties / customProperties hold user keys: keep them verbatim
      out[conv(k)] = k === "custom_properties" || k === "customProperties" ? x : convertKeys(x, conv);
    }
    return out;
  }
  return v;
}
export const snakeKeys = (v: unknown) => convertKeys(v, toSnake);
export const camelKeys = (v: unknown) => convertKeys(v, toCamel);

/** Drops null/undefined/""/empty-object members recursively, so absent and empty compare equal. */
function prune(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(prune);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = prune((v as Record<string, unknown>)[k]);
      if (x === null || x === undefined || x === "") continue;
      if (x && typeof x === "object" && !Array.isArray(x) && Object.keys(x).length === 0) continue;
      out[k] = x;
    }
    return out;
  }
  return v;
}

const stable = (v: unknown) => JSON.stringify(v);

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
export function entityCanon(e: unknown): Record<string, unknown> {
  if (e === UNKNOWN || !e || typeof e !== "object") return e as Record<string, unknown>;
  const c = camelKeys(e) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of ENTITY_KEYS) if (c[k] !== undefined && c[k] !== null && c[k] !== "") out[k] = c[k];
  if (typeof out.grantBy === "string" && /^\d+$/.test(out.grantBy)) out.grantBy = Number(out.grantBy);
  const cond = out.condition as Record<string, unknown> | undefined;
  if (cond && typeof cond === "object" && typeof cond.type === "string" && /^\d+$/.test(cond.type)) out.condition = { ...cond, type: Number(cond.type) };
  return prune(out) as Record<string, unknown>;
}

/** `want` (the program's entity) holds for `have` (the server's): every field the program set is equal. */
function entityHolds(want: Record<string, unknown>, have: Record<string, unknown>): boolean {
  // an entry that is not an object (only in values the check refuses, or in hand-edited state) holds only for the same value
  if (!want || typeof want !== "object" || !have || typeof have !== "object") return stable(want) === stable(have);
  return Object.keys(want).every((k) => stable(want[k]) === stable(have[k]));
}

/**
 * Pure: the program's entities (canonical) against the server's. Equal when they pair up one to
 * one and each pair agrees on every field the program set; fields only the server has (e.g.
 * `createdByAccessProfile`, or ones a list leaves out) are not the program's business.
 */
export function entitiesMatch(want: readonly Record<string, unknown>[], have: readonly Record<string, unknown>[]): boolean {
  if (want.length !== have.length) return false;
  const left = [...have];
  for (const w of want) {
    const i = left.findIndex((h) => entityHolds(w, h));
    if (i < 0) return false;
    left.splice(i, 1);
  }
  return true;
}

/**
 * The entities to send: each of the program's entities completed with the fields the server's
 * matching entity (same identity fields) has and the program did not set, so a rewrite keeps them.
 */
export function mergeEntities(want: readonly Record<string, unknown>[], have: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  return pairEntities(want, have).map(([w, h]) => (h ? { ...h, ...w } : w));
}

/** Each of `want` with the entity of `have` that has the same identity fields (each used once), if any. */
export function pairEntities(want: readonly Record<string, unknown>[], have: readonly Record<string, unknown>[]): [Record<string, unknown>, Record<string, unknown> | undefined][] {
  const left = [...have];
  return want.map((w) => {
    const i = left.findIndex((h) => ENTITY_IDENTITY.every((k) => w[k] === undefined || stable(w[k]) === stable(h[k])));
    return [w, i < 0 ? undefined : left.splice(i, 1)[0]];
  });
}

/**
 * The open enums of an entity: the guide names PolicyRules.GrantBy and the condition type without
 * listing their values, and Veza may answer a name with a number. What a name's number is gets
 * learned from write responses (`enumCodes` in a version's outputs: "grantBy:NAME" → number).
 */
export type EnumCodes = Record<string, number>;
const OPEN_ENUMS: { key: string; get(e: Record<string, unknown>): unknown; set(e: Record<string, unknown>, v: number): Record<string, unknown> }[] = [
  { key: "grantBy", get: (e) => e.grantBy, set: (e, v) => ({ ...e, grantBy: v }) },
  {
    key: "condition",
    get: (e) => (e.condition as Record<string, unknown> | undefined)?.type,
    set: (e, v) => ({ ...e, condition: { ...(e.condition as Record<string, unknown>), type: v } }),
  },
];

/** Codes learned from one write: a name sent and the number answered for the same entity (or the other way round). */
export function learnEnumCodes(sent: readonly Record<string, unknown>[], answered: readonly Record<string, unknown>[], known: EnumCodes = {}): EnumCodes {
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
    let out = e as Record<string, unknown>;
    for (const en of OPEN_ENUMS) {
      const v = en.get(out);
      const code = typeof v === "string" ? known[`${en.key}:${v.toUpperCase()}`] : undefined;
      if (code !== undefined) out = en.set(out, code);
    }
    return out;
  });
}

/** The canonical form of a value of this field (what the diff compares). */
export function canon(f: Field, v: unknown): Canon {
  if (v === UNKNOWN) return UNKNOWN;
  const empty = v === undefined || v === null || v === "";
  switch (f.kind) {
    case "string":
      return empty ? null : text(v);
    case "bool":
      return empty ? false : v === true || v === "true";
    case "int":
      return empty ? null : toInt(v) ?? null;
    case "enum":
      return empty ? null : enumName(f.enumNames ?? [], v) ?? null;
    case "set": {
      const arr = Array.isArray(v) ? v : [];
      return [...new Set(arr.filter((x) => x !== null && x !== undefined && x !== "").map(text))].sort();
    }
    case "entities": {
      const arr = Array.isArray(v) ? v : [];
      const seen = new Map<string, unknown>();
      for (const e of arr) {
        const c = entityCanon(e);
        seen.set(stable(c), c);
      }
      return [...seen.keys()].sort().map((k) => seen.get(k));
    }
    case "list":
      return Array.isArray(v) ? (prune(camelKeys(v)) as unknown[]) : [];
    case "object":
    case "map": {
      if (empty || typeof v !== "object") return null;
      const p = prune(f.kind === "object" ? camelKeys(v) : v) as Record<string, unknown>;
      return Object.keys(p).length ? p : null;
    }
  }
}

function desired(f: Field, inputs: Record<string, unknown>): Canon | typeof SKIP {
  const v = inputs[f.input];
  if ((v === undefined || v === null) && !f.managedWhenAbsent) return SKIP;
  return canon(f, v);
}

export interface FieldDiff {
  /** Input names whose desired value differs from the current (or is unknown). */
  changed: string[];
}

/** Pure: compares new inputs with old outputs field by field on canonical values. */
export function diffFields(fields: readonly Field[], olds: Record<string, unknown>, news: Record<string, unknown>): FieldDiff {
  const changed: string[] = [];
  for (const f of fields) {
    const want = desired(f, news);
    if (want === SKIP) continue;
    if (containsUnknown(want)) changed.push(f.input);
    else if (f.kind === "entities" ? !entitiesMatch(want as Record<string, unknown>[], canon(f, olds[f.input]) as Record<string, unknown>[]) : stable(want) !== stable(canon(f, olds[f.input]))) {
      changed.push(f.input);
    }
  }
  return { changed };
}

/** The API value to send for a field (cleared values are sent explicitly so an update can reset them). */
export function apiValue(f: Field, v: unknown): unknown {
  const c = canon(f, v);
  switch (f.kind) {
    case "string":
      return c ?? "";
    case "entities":
      return (c as unknown[]).map((e) => snakeKeys(e));
    case "list":
      return snakeKeys(c);
    case "object":
      return c === null ? null : snakeKeys(c);
    default:
      return c;
  }
}

/**
 * The request body for the given inputs: every field in `only` (default: every field whose input is
 * set), and the `update_mask` naming exactly those API fields.
 */
export function apiBody(fields: readonly Field[], inputs: Record<string, unknown>, only?: readonly string[]): { body: Record<string, unknown>; mask: string[] } {
  const body: Record<string, unknown> = {};
  const mask: string[] = [];
  for (const f of fields) {
    if (only ? !only.includes(f.input) : desired(f, inputs) === SKIP) continue;
    body[f.api] = apiValue(f, inputs[f.input]);
    mask.push(f.api);
  }
  return { body, mask };
}

/** Outputs (camelCase) from a normalized API object; absent values are omitted, never undefined. */
export function outputsFrom(fields: readonly Field[], api: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const c = canon(f, api[f.api]);
    if (c === null || c === undefined) continue;
    out[f.input] = c;
  }
  return out;
}

/**
 * Outputs after a write whose response may be partial (the documented "simplified" responses leave
 * fields out): a field the response did not carry keeps the value that was sent (`sent` lists them;
 * "all" for a create), or otherwise its previous output (`previous`). Without this, a field the
 * response omits would vanish from the outputs and show as a change on every `up`.
 */
export function completeFromWrite(
  fields: readonly Field[],
  outs: Record<string, unknown>,
  response: unknown,
  inputs: Record<string, unknown>,
  sent: readonly string[] | "all",
  previous: Record<string, unknown> = {},
): Record<string, unknown> {
  const carried = presentFields(response);
  if (!carried) return outs;
  for (const f of fields) {
    if (carried.has(f.api)) continue;
    const wasSent = sent === "all" || sent.includes(f.input);
    const c = canon(f, wasSent ? inputs[f.input] : previous[f.input]);
    if (c === null || c === undefined) delete outs[f.input];
    else outs[f.input] = c;
  }
  // read-only outputs (counts, timestamps, derived lists) the response left out keep their previous values
  const managed = new Set(fields.map((f) => f.input));
  for (const [k, v] of Object.entries(previous)) if (!(k in outs) && !managed.has(k) && v !== undefined) outs[k] = v;
  return outs;
}

/**
 * Outputs read from a list item: a field the item did not carry (the guide's list examples are
 * short) keeps its last known value instead of reading as empty; so do read-only outputs.
 */
export function keepUncarried(fields: readonly Field[], outs: Record<string, unknown>, listed: unknown, previous: Record<string, unknown> | undefined): Record<string, unknown> {
  const carried = presentFields(listed);
  if (!carried || !previous) return outs;
  for (const f of fields) {
    if (carried.has(f.api) || previous[f.input] === undefined || previous[f.input] === null) continue;
    outs[f.input] = previous[f.input];
  }
  return outs;
}

/**
 * Read-only outputs (counts, derived lists, timestamps) from an API object: each field it carries,
 * none it leaves out (never invented). A carried number that is null reads 0.
 */
export function readOnlyOutputsFrom(fields: readonly Field[], obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    if (!carries(obj, f.api)) continue;
    const c = canon(f, obj[f.api]);
    if (c !== null && c !== undefined) out[f.input] = c;
    else if (f.kind === "int") out[f.input] = 0;
  }
  return out;
}

/** For read-only outputs: true when the response carried the field (or the object did not come from a response). */
export function carries(obj: unknown, apiField: string): boolean {
  const carried = presentFields(obj);
  return !carried || carried.has(apiField);
}

/** Removes undefined members (gRPC Struct rejects them). */
export function defined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
