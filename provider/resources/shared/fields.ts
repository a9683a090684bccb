/**
 * The field table each resource declares, and what it drives: inputs → API body, API object →
 * outputs, and the pure diff on normalized values (set-like lists sorted, enum numbers equal to
 * names, absent = null = "" = default) that also yields the `update_mask`.
 */
import { enumName, presentFields, text, toInt } from "../../client/normalize";
import { containsUnknown, UNKNOWN } from "./unknown";
import { VezaInternalError } from "../../errors";

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
  /** Kind "entities": how its items are reduced and matched (the resource that has such a field supplies them). */
  items?: ItemRules;
}

/**
 * The rules of a kind "entities" field: a list of objects the server completes with fields of its
 * own, so items are compared on what the program manages and paired one to one (the version's
 * entities, ../version-entities.ts).
 */
export interface ItemRules {
  /** An item reduced to its managed fields (canonical). */
  canon(item: unknown): Record<string, unknown>;
  /** The program's items (canonical) hold for the server's (canonical). */
  match(want: readonly Record<string, unknown>[], have: readonly Record<string, unknown>[]): boolean;
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
export function prune(v: unknown): unknown {
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

/** The text two canonical values are compared by (canonical objects have sorted keys). */
export const stableJson = (v: unknown) => JSON.stringify(v);

function itemRules(f: Field): ItemRules {
  if (!f.items) throw new VezaInternalError(`field ${f.input}: kind "entities" needs its items rules`);
  return f.items;
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
      return empty ? null : (toInt(v) ?? null);
    case "enum":
      return empty ? null : (enumName(f.enumNames ?? [], v) ?? null);
    case "set": {
      const arr = Array.isArray(v) ? v : [];
      return [...new Set(arr.filter((x) => x !== null && x !== undefined && x !== "").map(text))].sort();
    }
    case "entities": {
      const arr = Array.isArray(v) ? v : [];
      const seen = new Map<string, unknown>();
      for (const e of arr) {
        const c = itemRules(f).canon(e);
        seen.set(stableJson(c), c);
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

function desired(f: Field, inputs: object): Canon | typeof SKIP {
  const v = (inputs as Record<string, unknown>)[f.input];
  if ((v === undefined || v === null) && !f.managedWhenAbsent) return SKIP;
  return canon(f, v);
}

export interface FieldDiff {
  /** Input names whose desired value differs from the current (or is unknown). */
  changed: string[];
}

/**
 * An object input (`catalogItemInfo`, `nameTransformer`, `applicationSyncIdentityAction`) holds when
 * every sub-field the program sets is equal (nested objects the same way); sub-fields only Veza has
 * (defaults it fills in) are not the program's business. An explicitly empty object clears the
 * whole value and is compared whole.
 */
function objectHolds(want: unknown, have: unknown): boolean {
  if (!isPlainRecord(want) || !isPlainRecord(have)) return stableJson(want) === stableJson(have);
  return Object.keys(want).every((k) => objectHolds(want[k], have[k]));
}

/** `want`'s sub-fields over `have`'s (nested objects merged the same way): what to send so Veza's other sub-fields stay. */
function mergeObject(want: unknown, have: unknown): unknown {
  if (!isPlainRecord(want) || !isPlainRecord(have)) return want;
  const out: Record<string, unknown> = { ...have };
  for (const [k, v] of Object.entries(want)) out[k] = mergeObject(v, have[k]);
  return out;
}

const isPlainRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Pure: compares new inputs with old outputs field by field on canonical values. */
export function diffFields(fields: readonly Field[], olds: object, news: object): FieldDiff {
  const old = olds as Record<string, unknown>;
  const changed: string[] = [];
  for (const f of fields) {
    const want = desired(f, news);
    if (want === SKIP) continue;
    const have = canon(f, old[f.input]);
    if (containsUnknown(want)) changed.push(f.input);
    else if (
      f.kind === "entities"
        ? !itemRules(f).match(want as Record<string, unknown>[], have as Record<string, unknown>[])
        : f.kind === "object"
          ? !objectHolds(want, have)
          : stableJson(want) !== stableJson(have)
    ) {
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
 * set), and the `update_mask` naming exactly those API fields. `current` (the outputs as last seen):
 * an object input is sent over its current value, so the sub-fields the program does not set keep
 * Veza's values (the mask names the whole object).
 */
export function apiBody(
  fields: readonly Field[],
  inputs: object,
  only?: readonly string[],
  current?: Record<string, unknown>,
): { body: Record<string, unknown>; mask: string[] } {
  const body: Record<string, unknown> = {};
  const mask: string[] = [];
  for (const f of fields) {
    if (only ? !only.includes(f.input) : desired(f, inputs) === SKIP) continue;
    const given = (inputs as Record<string, unknown>)[f.input];
    body[f.api] = apiValue(f, f.kind === "object" && current ? mergeObject(canon(f, given), canon(f, current[f.input])) : given);
    mask.push(f.api);
  }
  return { body, mask };
}

/** Where a resource's outputs come from, besides the API object. */
export interface OutputSources {
  /** The inputs of this call (the values a write sent; instruction inputs such as `adoptExisting` are echoed). */
  inputs: Record<string, unknown>;
  /** The outputs before this call (none for a create or a look-up). */
  previous?: Record<string, unknown>;
  /** The inputs this call wrote ("all" for a create): the object is the write's response. */
  sent?: readonly string[] | "all";
  /** Outputs the resource computes itself (no field of the object, e.g. `currentVersionNumber`). */
  computed?: Record<string, unknown>;
}

/**
 * The one rule for a resource's outputs, after every read and write. The object may be partial: a
 * short list item, or a documented "simplified" write response that leaves fields out.
 *
 * - A field the object carries reads as the object has it (canonical; an empty value is omitted, an
 *   empty count reads 0). An object not parsed from a response carries every field.
 * - A field it leaves out keeps the value this write sent, else its previous output: never invented,
 *   never dropped (a field that vanished would show as a change on every `up`).
 * - A computed output the resource gives as undefined keeps its previous value, too.
 */
export function outputsFrom(
  table: { fields: readonly Field[]; readOnlyFields: readonly Field[] },
  obj: Record<string, unknown>,
  src: OutputSources,
): Record<string, unknown> {
  const carried = presentFields(obj);
  const carries = (f: Field) => !carried || carried.has(f.api);
  const wasSent = (f: Field) => src.sent === "all" || (src.sent?.includes(f.input) ?? false);
  const previous = src.previous ?? {};
  const out: Record<string, unknown> = {};
  const put = (k: string, v: unknown) => {
    if (v !== null && v !== undefined) out[k] = v;
  };
  for (const f of table.fields) put(f.input, canon(f, carries(f) ? obj[f.api] : wasSent(f) ? src.inputs[f.input] : previous[f.input]));
  for (const f of table.readOnlyFields) {
    if (!carries(f)) put(f.input, previous[f.input]);
    else put(f.input, canon(f, obj[f.api]) ?? (f.kind === "int" ? 0 : undefined));
  }
  for (const [k, v] of Object.entries(src.computed ?? {})) put(k, v ?? previous[k]);
  return out;
}
