/**
 * What the serialized shell calls inside the dynamic-provider process: `configure` builds the
 * process's context from the stack's config (read at call time, never serialized), `call`
 * dispatches to the declared resource of a kind (../registry.ts).
 */
import { CONFIG_KEYS } from "../../config";
import { RESOURCES } from "../registry";
import { createContext, type ProviderContext } from "./context";
import { ResourceInitError, VezaInternalError } from "../../errors";
import { withManagedInputs, withReadInputs } from "./managed-inputs";

export type Method = "check" | "diff" | "create" | "read" | "update" | "delete";

/**
 * The provider process's context and the config it was built from. This is the one place that
 * holds it: the shell is stateless text in each resource's state, so the process needs somewhere
 * to keep what `configure` gave it; everything below receives the context as an argument.
 */
let current: { fingerprint: string; context: ProviderContext } | undefined;

/**
 * The engine configures the provider once per distinct `__provider` text, i.e. once per resource
 * kind: the context (and its list walks, seen profiles, missing routes) is kept when the settings
 * are the same, so the four kinds share one process-wide view of the tenant.
 */
export async function configure(req: { config?: { get(key: string): string | undefined } }): Promise<void> {
  const values: Record<string, string | undefined> = {};
  for (const key of CONFIG_KEYS) values[key] = req?.config?.get(key);
  const fingerprint = JSON.stringify(values);
  if (current?.fingerprint === fingerprint) return;
  current = { fingerprint, context: createContext(values) };
}

/** The process's context; without a `configure` (a program-side call), settings come from the program's config and environment. */
function context(): ProviderContext {
  if (!current) current = { fingerprint: "", context: createContext() };
  return current.context;
}

/** `shell` is the serialized shell object (its `k` names the kind); `args` the method's arguments. */
export async function call(shell: { k?: string }, method: Method, argList: ArrayLike<unknown>): Promise<unknown> {
  const kind = String(shell?.k);
  const args = Array.from(argList) as any[];
  const resource = RESOURCES[kind];
  if (!resource) throw new VezaInternalError(`pulumi-veza: unknown resource kind "${kind}"`);
  const ops = resource.operations;
  try {
    switch (method) {
      case "check":
        return resource.check(args[1], args[0]);
      case "diff":
        return resource.diff(args[1], args[2]);
      case "create": {
        const created = await ops.create(context(), args[0]);
        return { ...created, outs: withManagedInputs(created.outs, args[0]) };
      }
      case "read":
        return withReadInputs(await ops.read(context(), args[0], args[1]), args[1], resource.changed);
      case "update": {
        const updated = await ops.update(context(), args[0], args[1], args[2]);
        return { ...updated, outs: withManagedInputs(updated.outs ?? {}, args[2]) };
      }
      case "delete":
        return await ops.delete(context(), args[0], args[1]);
      default:
        throw new VezaInternalError(`pulumi-veza: unknown method "${String(method)}"`);
    }
  } catch (e) {
    // The engine loads the provider for later Delete/Read from the recorded properties, so an
    // init-failed resource must carry the serialized provider it was created with.
    if (ResourceInitError.isInstance(e)) {
      const inputs = (method === "create" ? args[0] : args[2]) as Record<string, unknown> | undefined;
      if (inputs && typeof inputs.__provider === "string") e.properties.__provider = inputs.__provider;
      Object.assign(e.properties, withManagedInputs({}, inputs));
    }
    throw e;
  }
}

/** The single entry point of the serialized shell: `$(shell, "check", arguments)`. @internal */
export function $(shell: { k?: string }, method: Method | "configure", argList: ArrayLike<unknown>): Promise<unknown> {
  if (method === "configure") return configure(argList[0] as Parameters<typeof configure>[0]);
  return call(shell, method, argList);
}
