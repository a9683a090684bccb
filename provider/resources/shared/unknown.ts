import { UNKNOWN } from "../../pulumi-wire";

/** The engine's unknown-value sentinel: inputs not yet known during `pulumi preview`, at any depth. */
export { UNKNOWN };

export const isUnknown = (v: unknown): boolean => v === UNKNOWN;

/** True when the value or anything inside it is unknown. */
export function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v && typeof v === "object") return Object.values(v).some(containsUnknown);
  return false;
}
