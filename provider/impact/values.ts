/** Reading one value of a resource state as a preview prints it: plain, unknown, or secret. */
import { SECRET, UNKNOWN, type ResourceV3 } from "./input";

export const isPlain = (v: unknown): v is string => typeof v === "string" && v !== UNKNOWN && v !== SECRET;

/** What a value that is not a plain string is, for an unresolved reason. */
export const what = (v: unknown) =>
  v === SECRET ? "a secret ([secret])" : v === UNKNOWN ? "unknown in the preview" : `not a string (${JSON.stringify(v)})`;

/** A property of a resource state: its output, else its input (a preview's new state of an update has only inputs). */
export function prop(r: ResourceV3, key: string): unknown {
  if (r.outputs && key in r.outputs) return r.outputs[key];
  return r.inputs?.[key];
}

/** How a version read from the tenant is named where a URN would be (it has none). */
export const TENANT = "tenant:";

/** The key of one member list: a profile and a version number (empty: the current one, number not known). */
export const versionKey = (profile: string, n: number | undefined) => `${profile}\u0000${n ?? ""}`;

/** A resource's logical name: the last part of its URN. */
export const nameOf = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);
