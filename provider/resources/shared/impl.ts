/** The results every resource answers the same way (diff, gone). */
import type * as pulumi from "@pulumi/pulumi";
import { VezaResourceError } from "../../errors";

/** A DiffResult with an explicit `changes` boolean (never left to the engine). */
export function diffResult(changed: string[], replaces: string[], deleteBeforeReplace = false): pulumi.dynamic.DiffResult {
  return {
    changes: changed.length > 0 || replaces.length > 0,
    replaces,
    deleteBeforeReplace: replaces.length > 0 && deleteBeforeReplace,
  };
}

/**
 * What `read` answers for an object that is gone. For `Class.get(name, id)` / `opts.id` (the engine
 * reads with only `__provider` in the props) that is an error naming the id: an empty id there would
 * give a resource with empty outputs, silently. For a refresh it is an empty id: gone from state.
 */
export function goneResult(kind: string, id: string, props: object | undefined): { id: string; props: object } {
  if (isLookup(props)) throw new VezaResourceError("VEZA_NOT_FOUND", `${kind} ${id} does not exist in Veza`);
  return { id: "", props: {} };
}

/** The prop `get` adds so the read knows it is a look-up even when `get` was given a `state`. */
export const LOOKUP = "__lookup";

/**
 * A read for `Class.get` / `opts.id`: `get`'s marker, or props that hold nothing but the serialized
 * provider (and the `name` the class defaults to its logical name), never the outputs a refresh's props carry.
 */
export function isLookup(props: object | undefined): boolean {
  if (!props) return true;
  return (props as Record<string, unknown>)[LOOKUP] === true || Object.keys(props).every((k) => k === "__provider" || k === "name");
}

/** The props a read keeps as they are (no route can read the object): never `get`'s marker. */
export function lastKnown<T extends object>(props: T | undefined): Partial<T> {
  const { [LOOKUP]: _marker, ...rest } = (props ?? {}) as Record<string, unknown>;
  return rest as Partial<T>;
}
