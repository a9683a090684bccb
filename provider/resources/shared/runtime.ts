/**
 * What the serialized shell calls inside the dynamic-provider process: `configure` stores the
 * stack's connection settings (read at call time, never serialized), `call` dispatches to the
 * resource implementation of a kind.
 */
import { setProviderConfig } from "../../config";
import { resetApi } from "./context";
import { ResourceInitError, type ResourceImpl } from "./impl";

const CONFIG_KEYS = [
  "veza:url",
  "veza:apiToken",
  "veza:maxConcurrency",
  "veza:requestTimeoutMs",
  "veza:maxRetries",
  "veza:retryDeadlineMs",
  "veza:proxy",
  "veza:allowInsecureHttp",
  "veza:logLevel",
  "veza:adaptivePacing",
  "veza:maxRequestsPerSecond",
];

let configured: string | undefined;

/**
 * The engine configures the provider once per distinct `__provider` text, i.e. once per resource
 * kind: the client (and its list walks, seen profiles, missing routes) is kept when the settings
 * are the same, so the four kinds share one process-wide view of the tenant.
 */
export async function configure(req: { config?: { get(key: string): string | undefined } }): Promise<void> {
  const values: Record<string, string | undefined> = {};
  for (const key of CONFIG_KEYS) values[key] = req?.config?.get(key);
  const fingerprint = JSON.stringify(values);
  if (fingerprint === configured) return;
  configured = fingerprint;
  setProviderConfig(values);
  resetApi();
}

const IMPLS: Record<string, () => ResourceImpl> = {
  AccessProfileType: () => require("../access-profile-type").impl,
  AccessProfile: () => require("../access-profile").impl,
  AccessProfileVersion: () => require("../access-profile-version").impl,
  ProfileMembership: () => require("../profile-membership").impl,
};

/** `shell` is the serialized shell object (its `k` names the kind); `args` the method's arguments. */
export async function call(shell: { k?: string }, method: keyof ResourceImpl, argList: ArrayLike<unknown>): Promise<unknown> {
  const kind = String(shell?.k);
  const args = Array.from(argList);
  const load = IMPLS[kind];
  if (!load) throw new Error(`pulumi-veza: unknown resource kind "${kind}"`);
  const impl = load();
  try {
    return await (impl[method] as (...a: unknown[]) => Promise<unknown>)(...args);
  } catch (e) {
    // The engine loads the provider for later Delete/Read from the recorded properties, so an
    // init-failed resource must carry the serialized provider it was created with.
    if (e instanceof ResourceInitError) {
      const inputs = (method === "create" ? args[0] : args[2]) as Record<string, unknown> | undefined;
      if (inputs && typeof inputs.__provider === "string") e.properties.__provider = inputs.__provider;
    }
    throw e;
  }
}

/** The single entry point of the serialized shell: `$(shell, "check", arguments)`. @internal */
export function $(shell: { k?: string }, method: keyof ResourceImpl | "configure", argList: ArrayLike<unknown>): Promise<unknown> {
  if (method === "configure") return configure(argList[0] as Parameters<typeof configure>[0]);
  return call(shell, method, argList);
}
