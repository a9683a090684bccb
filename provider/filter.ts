import { VezaUsageError } from "./errors";

/**
 * A small SCIM filter builder, so nobody concatenates filter strings by hand:
 * `f.and(f.eq("profile_type", id), f.co("labels", "requestable"))`
 * gives `(profile_type eq "…") and (labels co "requestable")`. Strings are quoted and escaped;
 * numbers and booleans are written bare (`current_version_number eq 3`, `require_approval_to_start eq true`),
 * as SCIM (RFC 7644 §3.4.2.2) writes them: a server that compares typed values would not match `"3"` to 3.
 *
 * @remarks
 * Attributes are the API's snake_case field names. Veza's API guide filters profiles on
 * `profile_type` (`eq`), `integrations` (`eq`, `co`), `provider_ids` (`co`) and `labels` (`co`),
 * combined with `and` / `or`; those are the documented ones. The builder accepts any attribute name
 * (letters, digits, `_` and `.`) and sends it as written: whether a tenant filters on another field
 * (`name`, `state`, `current_version_number`) is up to the tenant.
 */
export type Filter = string & { readonly __scimFilter?: true };

const ATTRIBUTE = /^[A-Za-z_][A-Za-z0-9_.]*$/;

function attr(name: string): string {
  if (!ATTRIBUTE.test(name))
    throw new VezaUsageError(`filter attribute "${name}" is not a valid attribute name (letters, digits, "_" and ".")`);
  return name;
}

/**
 * Quotes a value as a SCIM string: backslashes and double quotes are escaped. For a number or a
 * boolean this forces the string form (for an attribute the server stores as text); `eq` and the
 * other comparisons write them bare.
 */
export function quote(value: string | number | boolean): string {
  return `"${String(value).replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/**
 * A value as a SCIM filter writes it (RFC 7644 §3.4.2.2 compValue: false / null / true / number / string):
 * a string quoted, a finite number or a boolean bare.
 */
export function literal(value: string | number | boolean, attribute?: string): string {
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      const of = attribute === undefined ? "" : ` for "${attribute}"`;
      throw new VezaUsageError(`filter value${of} is ${value}, not a finite number (a number, a string or a boolean is allowed)`);
    }
    return String(value);
  }
  return quote(value);
}

const compare =
  (op: string) =>
  (attribute: string, value: string | number | boolean): Filter =>
    `${attr(attribute)} ${op} ${literal(value, attribute)}`;

/** attribute equals value (on a list attribute: some element equals it). */
export const eq = compare("eq");
/** attribute does not equal value. */
export const ne = compare("ne");
/** attribute contains value (on a list attribute: some element contains it). */
export const co = compare("co");
/** attribute starts with value. */
export const sw = compare("sw");

function join(op: "and" | "or", parts: Filter[]): Filter {
  const kept = parts.filter((p) => p && p.trim() !== "");
  if (kept.length === 0) throw new VezaUsageError(`filter.${op}() needs at least one condition`);
  if (kept.length === 1) return kept[0];
  return kept.map((p) => `(${p})`).join(` ${op} `);
}

/** Every condition holds. */
export const and = (...parts: Filter[]): Filter => join("and", parts);
/** At least one condition holds. */
export const or = (...parts: Filter[]): Filter => join("or", parts);
