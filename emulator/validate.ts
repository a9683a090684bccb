/** Coercion of request values: enums as names or numbers, integers as numbers or numeric strings. */
import { invalid } from "./errors";
import type { Json, JsonObject } from "./types";

/**
 * `table[key]` for a key that arrives in a request (a body's field, an `update_mask` entry): only
 * the table's own entries, so that `__proto__`, `constructor` or `toString` is an unknown field
 * (a 400 naming it), not Object.prototype's member called as a setter (a 500).
 */
export function ownEntry<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

export function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function asString(field: string, v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v !== "string") throw invalid(`invalid value for field "${field}": expected a string`);
  return v;
}

export function asStringOrNull(field: string, v: unknown): string | null {
  if (v === null || v === undefined || v === "") return null;
  return asString(field, v);
}

export function asBool(field: string, v: unknown): boolean {
  if (v === null || v === undefined) return false;
  if (typeof v === "boolean") return v;
  if (v === "true") return true;
  if (v === "false") return false;
  throw invalid(`invalid value for field "${field}": expected a boolean`);
}

export function asInt(field: string, v: unknown): number {
  if (v === null || v === undefined || v === "") return 0;
  const n = typeof v === "number" ? v : typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : NaN;
  if (!Number.isSafeInteger(n)) throw invalid(`invalid value for field "${field}": expected an integer`);
  return n;
}

export function asStringArray(field: string, v: unknown): string[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
    throw invalid(`invalid value for field "${field}": expected an array of strings`);
  }
  return [...(v as string[])];
}

export function asJsonArray(field: string, v: unknown): Json[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw invalid(`invalid value for field "${field}": expected an array`);
  return v as Json[];
}

export function asObjectOrNull(field: string, v: unknown): JsonObject | null {
  if (v === null || v === undefined) return null;
  if (!isPlainObject(v)) throw invalid(`invalid value for field "${field}": expected an object`);
  return v;
}

export function asObject(field: string, v: unknown): JsonObject {
  return asObjectOrNull(field, v) ?? {};
}

/** Accepts the enum's name (any case) or its proto number. */
export function asEnum<T extends string>(field: string, names: readonly T[], v: unknown, fallback: T): T {
  if (v === null || v === undefined || v === "") return fallback;
  if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v < names.length) return names[v]!;
  if (typeof v === "string") {
    const upper = v.trim().toUpperCase();
    const byName = names.find((n) => n === upper);
    if (byName) return byName;
    if (/^\d+$/.test(upper) && Number(upper) < names.length) return names[Number(upper)]!;
  }
  const allowed = names.map((n, i) => `${n} (${i})`).join(", ");
  throw invalid(`invalid value ${JSON.stringify(v)} for field "${field}": allowed values are ${allowed}`);
}

/** `update_mask=a,b` → ["a","b"]; absent or empty → undefined (meaning: every field in the body). */
export function parseMask(raw: string | null): string[] | undefined {
  if (raw === null) return undefined;
  const fields = raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return fields.length > 0 ? fields : undefined;
}
