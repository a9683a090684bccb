/** Create/adopt, read and update shared by the named resources (types and profiles). */
import type * as pulumi from "@pulumi/pulumi";
import type { ProviderContext } from "./context";
import type { DeclaredResource, Operations } from "./declare";
import { VezaApiError } from "../../client/errors";
import { apiBody, completeFromWrite, diffFields } from "./fields";
import { VezaResourceError } from "./errors";
import { goneResult, ResourceInitError } from "./impl";
import { providerOptions } from "./options";

export interface NamedObjectOps<T> {
  /** The resource's declaration (kind, what it is, its API fields). */
  resource: DeclaredResource<any>;
  idOf(obj: T): string;
  /** Outputs from an API object; `previous` fills what a short list item or partial response leaves out. */
  outputs(obj: T, inputs: Record<string, unknown>, previous?: Record<string, unknown>): Record<string, unknown>;
  findByName(name: string): Promise<T | undefined>;
  /** The object from the documented list (one walk shared by every read of the process, client/list-index); undefined: gone. */
  find(id: string): Promise<T | undefined>;
  /** Why a name may be taken that the program does not expect (e.g. this run retired an object of that name). */
  conflictHint?(name: string): string | undefined;
  create(body: Record<string, unknown>): Promise<T>;
  /** `inputs`: the program's inputs, for messages (the body holds only the changed fields). */
  update(id: string, body: Record<string, unknown>, mask: string[], inputs: Record<string, unknown>): Promise<T>;
}

/**
 * Creates the object, or takes over an existing one: with `adoptExisting` the one of the same name,
 * with the `import` option the one with that id. Only the fields that differ are PATCHed (one
 * request, `update_mask`); a name filled from the logical name is not one of them when importing (the
 * object keeps its name). A 409 names `adoptExisting`, and `retainOnDelete` when that is why.
 */
export async function createOrAdopt<T>(ops: NamedObjectOps<T>, inputs: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
  const name = String(inputs.name);
  const told = providerOptions(inputs);
  if (told.adoptId !== undefined || inputs.adoptExisting === true) {
    const existing = told.adoptId !== undefined ? await ops.find(told.adoptId) : await ops.findByName(name);
    if (!existing && told.adoptId !== undefined) {
      throw new VezaResourceError("VEZA_NOT_FOUND", `${ops.resource.what} ${told.adoptId} (named by the import option) does not exist in Veza.`);
    }
    if (existing) {
      const id = ops.idOf(existing);
      const current = ops.outputs(existing, inputs);
      const keepName = told.adoptId !== undefined && told.nameFromLogicalName;
      const { changed } = diffFields(ops.resource.fields.filter((f) => !(keepName && f.input === "name")), current, inputs);
      if (changed.length === 0) return { id, outs: current };
      try {
        return { id, outs: await updateChanged(ops, id, keepName ? { ...inputs, name: current.name } : inputs, changed, current) };
      } catch (e) {
        throw new ResourceInitError(id, current, e);
      }
    }
  }
  let created: T;
  try {
    created = await ops.create(apiBody(ops.resource.fields, inputs).body);
  } catch (e) {
    if (e instanceof VezaApiError && e.status === 409) {
      const hint = ops.conflictHint?.(name);
      const retained = told.retainOnDelete
        ? ` This resource has retainOnDelete: a change that replaces it leaves the old ${ops.resource.what} in Veza, and it keeps the name. ` +
          `Give the replacement another name, or remove retainOnDelete and run \`pulumi up\` before the change (the old one is then deleted first).`
        : "";
      throw new VezaResourceError(
        "VEZA_NAME_TAKEN",
        `${ops.resource.what} "${name}" already exists in Veza (${e.serverMessage}).${hint ? ` ${hint}` : ""}${retained} Set adoptExisting: true to take it over, or choose another name.`,
        e,
      );
    }
    throw e;
  }
  return { id: ops.idOf(created), outs: completeFromWrite(ops.resource.fields, ops.outputs(created, inputs), created, inputs, "all") };
}

/** Update: nothing to send when no managed field changed; otherwise one PATCH of exactly the changed fields. */
export async function updateNamed<T>(ops: NamedObjectOps<T>, id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.UpdateResult> {
  const { changed } = diffFields(ops.resource.fields, olds, news);
  if (changed.length === 0) return { outs: { ...olds, adoptExisting: news.adoptExisting === true } };
  return { outs: await updateChanged(ops, id, news, changed, olds) };
}

/** PATCHes exactly the changed fields; outputs from the response, completed from what was sent and `previous`. */
export async function updateChanged<T>(
  ops: NamedObjectOps<T>,
  id: string,
  inputs: Record<string, unknown>,
  changed: string[],
  previous: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const { body, mask } = apiBody(ops.resource.fields, inputs, changed, previous);
  try {
    const updated = await ops.update(id, body, mask, inputs);
    return completeFromWrite(ops.resource.fields, ops.outputs(updated, inputs), updated, inputs, changed, previous);
  } catch (e) {
    if (e instanceof VezaApiError && e.status === 409) {
      throw new VezaResourceError("VEZA_NAME_TAKEN", `${ops.resource.what} "${String(inputs.name)}": the name is already taken in Veza (${e.serverMessage}).`, e);
    }
    throw e;
  }
}

/** create, read and update of a named object; the resource adds its delete. */
export function namedOperations<T>(ops: (ctx: ProviderContext) => NamedObjectOps<T>): Pick<Operations, "create" | "read" | "update"> {
  return {
    create: (ctx, inputs) => createOrAdopt(ops(ctx), inputs),
    async read(ctx, id, props) {
      const o = ops(ctx);
      const found = await o.find(id);
      if (!found) return goneResult(o.resource.kind, id, props);
      return { id, props: o.outputs(found, props ?? {}, props) };
    },
    update: (ctx, id, olds, news) => updateNamed(ops(ctx), id, olds, news),
  };
}
