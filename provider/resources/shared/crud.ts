/** Create/adopt, read and update shared by the named resources (types and profiles). */
import type { ProviderContext } from "./context";
import type { DeclaredResource, Operations, Resolved } from "./declare";
import { apiBody, diffFields } from "./fields";
import { ResourceInitError, VezaApiError, VezaResourceError } from "../../errors";
import { goneResult } from "./impl";
import { providerOptions } from "./options";

/** The inputs every named object has. */
interface NamedArgs {
  name?: unknown;
  adoptExisting?: unknown;
}

export interface NamedObjectOps<T extends object, Args extends NamedArgs, Out extends object> {
  /** The resource's declaration (kind, what it is, its API fields, its outputs). */
  resource: DeclaredResource<Args, Out, any>;
  idOf(obj: T): string;
  /** Outputs the resource computes from the object besides its fields (e.g. the profile's `currentVersionNumber`). */
  computed?(obj: T): Record<string, unknown>;
  findByName(name: string): Promise<T | undefined>;
  /** The object from the documented list (one walk shared by every read of the process, client/list-index); undefined: gone. */
  find(id: string): Promise<T | undefined>;
  /** Why a name may be taken that the program does not expect (e.g. this run retired an object of that name). */
  conflictHint?(name: string): string | undefined;
  create(body: Record<string, unknown>): Promise<T>;
  /** `inputs`: the program's inputs, for messages (the body holds only the changed fields). */
  update(id: string, body: Record<string, unknown>, mask: string[], inputs: Resolved<Args>): Promise<T>;
}

type Ops<T extends object, Args extends NamedArgs, Out extends object> = NamedObjectOps<T, Args, Out>;

/**
 * Creates the object, or takes over an existing one: with `adoptExisting` the one of the same name,
 * with the `import` option the one with that id. Only the fields that differ are PATCHed (one
 * request, `update_mask`); a name filled from the logical name is not one of them when importing (the
 * object keeps its name). A 409 names `adoptExisting`, and `retainOnDelete` when that is why.
 */
export async function createOrAdopt<T extends object, Args extends NamedArgs, Out extends object>(
  ops: Ops<T, Args, Out>,
  inputs: Resolved<Args>,
): Promise<{ id: string; outs: Out }> {
  const name = String(inputs.name);
  const told = providerOptions(inputs as Record<string, unknown>);
  if (told.adoptId !== undefined || inputs.adoptExisting === true) {
    const existing = told.adoptId !== undefined ? await ops.find(told.adoptId) : await ops.findByName(name);
    if (!existing && told.adoptId !== undefined) {
      throw new VezaResourceError(
        "VEZA_NOT_FOUND",
        `${ops.resource.what} ${told.adoptId} (named by the import option) does not exist in Veza.`,
      );
    }
    if (existing) {
      const id = ops.idOf(existing);
      const current = outputs(ops, existing, { inputs });
      const keepName = told.adoptId !== undefined && told.nameFromLogicalName === true;
      const applied = keepName ? ({ ...inputs, name: (current as Record<string, unknown>).name } as Resolved<Args>) : inputs;
      const { changed } = diffFields(ops.resource.fields, current as Record<string, unknown>, applied);
      if (changed.length === 0) return { id, outs: current };
      try {
        return { id, outs: await updateChanged(ops, id, applied, changed, current) };
      } catch (e) {
        throw new ResourceInitError(id, current as Record<string, unknown>, e);
      }
    }
  }
  const created = await unlessNameTaken(
    () => ops.create(apiBody(ops.resource.fields, inputs).body),
    (serverMessage) => {
      const hint = ops.conflictHint?.(name);
      const retained = told.retainOnDelete
        ? ` This resource has retainOnDelete: a change that replaces it leaves the old ${ops.resource.what} in Veza, and it keeps the name. ` +
          `Give the replacement another name, or remove retainOnDelete and run \`pulumi up\` before the change (the old one is then deleted first).`
        : "";
      return `${ops.resource.what} "${name}" already exists in Veza (${serverMessage}).${hint ? ` ${hint}` : ""}${retained} Set adoptExisting: true to take it over, or choose another name.`;
    },
  );
  return { id: ops.idOf(created), outs: outputs(ops, created, { inputs, sent: "all" }) };
}

/** Update: nothing to send when no managed field changed; otherwise one PATCH of exactly the changed fields. */
export async function updateNamed<T extends object, Args extends NamedArgs, Out extends object>(
  ops: Ops<T, Args, Out>,
  id: string,
  olds: Out,
  news: Resolved<Args>,
): Promise<{ outs: Out }> {
  const { changed } = diffFields(ops.resource.fields, olds as Record<string, unknown>, news);
  if (changed.length === 0) return { outs: ops.resource.unchanged(olds, news) };
  return { outs: await updateChanged(ops, id, news, changed, olds) };
}

/** PATCHes exactly the changed fields; outputs from the response, completed from what was sent and `previous`. */
async function updateChanged<T extends object, Args extends NamedArgs, Out extends object>(
  ops: Ops<T, Args, Out>,
  id: string,
  inputs: Resolved<Args>,
  changed: string[],
  previous: Out,
): Promise<Out> {
  const { body, mask } = apiBody(ops.resource.fields, inputs, changed, previous as Record<string, unknown>);
  const updated = await unlessNameTaken(
    () => ops.update(id, body, mask, inputs),
    (serverMessage) => `${ops.resource.what} "${String(inputs.name)}": the name is already taken in Veza (${serverMessage}).`,
  );
  return outputs(ops, updated, { inputs, sent: changed, previous: previous as Record<string, unknown> });
}

/** Runs a write of a named object; a 409 means its name is taken (the one place that says so), `message` says what to do. */
async function unlessNameTaken<R>(write: () => Promise<R>, message: (serverMessage: string) => string): Promise<R> {
  try {
    return await write();
  } catch (e) {
    if (VezaApiError.isInstance(e) && e.status === 409) throw new VezaResourceError("VEZA_NAME_TAKEN", message(e.serverMessage), e);
    throw e;
  }
}

/** The object's outputs (the declaration's one rule), with what the resource computes from it. */
function outputs<T extends object, Args extends NamedArgs, Out extends object>(
  ops: Ops<T, Args, Out>,
  obj: T,
  src: { inputs: Resolved<Args>; sent?: readonly string[] | "all"; previous?: Record<string, unknown> },
): Out {
  return ops.resource.outputsOf(obj, { ...src, inputs: src.inputs as Record<string, unknown>, computed: ops.computed?.(obj) });
}

/** create, read and update of a named object; the resource adds its delete. */
export function namedOperations<T extends object, Args extends NamedArgs, Out extends object>(
  ops: (ctx: ProviderContext) => Ops<T, Args, Out>,
): Pick<Operations<Resolved<Args>, Out>, "create" | "read" | "update"> {
  return {
    create: (ctx, inputs) => createOrAdopt(ops(ctx), inputs),
    async read(ctx, id, props) {
      const o = ops(ctx);
      const found = await o.find(id);
      if (!found) return goneResult(o.resource.kind, id, props);
      const last = (props ?? {}) as Record<string, unknown>;
      return { id, props: outputs(o, found, { inputs: last as Resolved<Args>, previous: props ? last : undefined }) };
    },
    update: (ctx, id, olds, news) => updateNamed(ops(ctx), id, olds, news),
  };
}
