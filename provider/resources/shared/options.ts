/**
 * Pulumi's resource options on a dynamic resource. The engine honours most of them itself (README
 * "Resource options"); what a dynamic provider needs to do about the rest happens here, in the
 * class, before the resource registers:
 *
 * - `import`: the engine would call Read with only the id, and the dynamic-provider server cannot
 *   find the provider's code without `__provider` in the properties (pulumi/pulumi#3550). The class
 *   takes the option out and create takes the object over by that id (the adopt path).
 * - options the engine never hands to a dynamic provider (`replaceOnChanges`, `customTimeouts`,
 *   a `provider` other than the default) warn once per program run, naming what to use instead.
 * - `retainOnDelete` and a name filled from the logical name are told to the provider, which cannot
 *   see the options: the first for the message of a replacement's 409, the second so the name is
 *   used only at create (an alias rename or an import keeps the object's name).
 * - outputs that carry an input's values under another name (a membership's `managedIdentityIds`)
 *   are listed in `additionalSecretOutputs` when that input is secret: the engine's same-name rule
 *   does not reach them.
 */
import type * as pulumi from "@pulumi/pulumi";
// the SDK's own modules, not its index, which loads all of the SDK (CONTRIBUTING, "Loading @pulumi/pulumi")
import * as log from "@pulumi/pulumi/log";
import { isSecret, output } from "@pulumi/pulumi/output";
import { VezaResourceError } from "../../errors";
import { MANAGED_INPUTS } from "./managed-inputs";
import { isUnknown } from "./unknown";
import { matchVersionId } from "./version-ref";

/**
 * The hidden input that carries what the provider must know about the options. Its `__` prefix keeps
 * it out of the CLI's diff display; it is never compared and never sent to Veza.
 */
export const OPTIONS_INPUT = "__options";

export interface ProviderSideOptions {
  /** `opts.import`: take over the object with this id at create instead of creating one. */
  adoptId?: string;
  /** `opts.retainOnDelete`: a replacement leaves the old object in Veza (for the 409's message). */
  retainOnDelete?: true;
  /** The name input was filled from the logical name: used at create, never compared afterwards. */
  nameFromLogicalName?: true;
}

/** The options the provider was told about, from a resource's inputs or outputs. */
export function providerOptions(props: Record<string, unknown> | undefined): ProviderSideOptions {
  const o = props?.[OPTIONS_INPUT];
  return o && typeof o === "object" && !Array.isArray(o) ? (o as ProviderSideOptions) : {};
}

/** What the class needs to know about the resource to apply the options. */
export interface OptionsTarget {
  kind: string;
  /** The form of an id where it is not Veza's id of the object, e.g. "<profileId>/versions/<n>". */
  idForm?: string;
  nameInput?: string;
  /** Outputs that carry an input's values under another name (secret when the input is). */
  carriedBy?: Partial<Record<string, readonly string[]>>;
}

const warned = new Set<string>();

/** One warning per option per program run (a stack of 900 resources would otherwise print it 900 times). */
function warnOnce(option: string, message: string, resource: pulumi.Resource | undefined): void {
  if (warned.has(option)) return;
  warned.add(option);
  void log.warn(`pulumi-veza: ${message}`, resource);
}

/** For tests: forget which warnings were printed. @internal */
export function resetOptionWarnings(): void {
  warned.clear();
}

/** The options a dynamic provider cannot honour, and what to do instead (README "Resource options"). */
const UNHONOURED: { option: "replaceOnChanges" | "customTimeouts" | "provider"; applies(v: unknown): boolean; message: string }[] = [
  {
    option: "replaceOnChanges",
    applies: (v) => Array.isArray(v) && v.length > 0,
    message:
      "the resource option replaceOnChanges has no effect on these resources: the engine applies it to the property changes a provider reports, " +
      "and a dynamic provider cannot report them. To replace a resource when a value changes, use replacementTrigger: <that value>.",
  },
  {
    option: "customTimeouts",
    applies: (v) => v !== undefined && v !== null,
    message:
      "the resource option customTimeouts has no effect on these resources: the engine does not pass it to a dynamic provider. " +
      "Set veza:requestTimeoutMs (one attempt) and veza:retryDeadlineMs (all attempts of a call) in the stack config instead.",
  },
  {
    option: "provider",
    applies: (v) => v !== undefined && v !== null,
    message:
      "the resource option provider has no effect on these resources: a dynamic resource always runs in the default pulumi-nodejs provider, " +
      "which takes its Veza settings from the stack config (veza:url, veza:apiToken). To manage another tenant, use another stack.",
  },
];

/** `id` checked against the resource's id form before anything is registered or sent. */
function checkImportId(target: OptionsTarget, name: string, id: unknown, args: Record<string, unknown>): string {
  const fail = (why: string) =>
    new VezaResourceError(
      "VEZA_BAD_ID",
      `${target.kind} "${name}": the import option ${why}. It takes over the object with that id (the program's inputs are then applied). ` +
        `To take over an object by its name instead, set adoptExisting: true; to read one without managing it, use ${target.kind}.get("${name}", id).`,
    );
  if (typeof id !== "string" || id === "" || isUnknown(id)) throw fail("needs the id as a string known when the program runs");
  const form = target.idForm;
  if (!form) {
    if (id.includes("/")) throw fail(`got "${id}", which is not a Veza id of a ${target.kind}`);
    return id;
  }
  const ref = matchVersionId(id);
  if (!ref || ref.members !== form.endsWith("/members")) throw fail(`got "${id}", which is not an id of the form ${form}`);
  const profile = args.accessProfileId;
  if (typeof profile === "string" && profile !== ref.profileId)
    throw fail(`names profile ${ref.profileId}, and accessProfileId is ${profile}`);
  const version = args.versionNumber;
  if (typeof version === "number" && version !== ref.version) throw fail(`names version ${ref.version}, and versionNumber is ${version}`);
  return id;
}

/**
 * The args and options a class registers with: `import` taken out (the adopt-by-id instruction in its
 * place), the provider-side options in the hidden input, warnings for what cannot be honoured, and
 * `additionalSecretOutputs` completed once the inputs' secretness is known.
 */
export function applyResourceOptions(
  target: OptionsTarget,
  name: string,
  args: Record<string, unknown>,
  opts: pulumi.CustomResourceOptions | undefined,
): { args: Record<string, unknown>; opts: pulumi.CustomResourceOptions } {
  const { import: importId, ...rest } = opts ?? {};
  const lookup = rest.id !== undefined;
  for (const u of UNHONOURED) if (u.applies(rest[u.option])) warnOnce(u.option, u.message, rest.parent);
  if (lookup) return { args, opts: rest };

  const told: ProviderSideOptions = {};
  if (importId !== undefined) {
    try {
      told.adoptId = checkImportId(target, name, importId, args);
    } catch (e) {
      // fails this resource's registration (before any request), not the whole program
      const rejected = Promise.reject(e);
      rejected.catch(() => undefined);
      return { args: { ...args, [OPTIONS_INPUT]: rejected }, opts: rest };
    }
  }
  if (rest.retainOnDelete === true) told.retainOnDelete = true;
  if (target.nameInput && (args[target.nameInput] === undefined || args[target.nameInput] === null)) told.nameFromLogicalName = true;

  // Our own array: the SDK reads it after every input has resolved, and `secretCarriers` (a prop
  // serialized after the inputs) adds to it first.
  const additionalSecretOutputs = [...(rest.additionalSecretOutputs ?? [])];
  const hidden: Record<string, unknown> = Object.keys(told).length ? { [OPTIONS_INPUT]: told } : {};
  const carriers = secretCarriers(target, args, additionalSecretOutputs);
  return { args: { ...args, ...hidden, ...carriers }, opts: { ...rest, additionalSecretOutputs } };
}

/**
 * A prop that resolves to nothing once it knows which inputs are secret, adding the outputs that
 * carry them under another name to `additionalSecretOutputs`: the declaration's `carriedBy`, and the
 * inputs kept for `read` (MANAGED_INPUTS, which carries every input). The SDK serializes props in
 * order and reads the options only afterwards (runtime/resource.ts registerResource), so the list is
 * complete in time.
 */
function secretCarriers(target: OptionsTarget, args: Record<string, unknown>, additionalSecretOutputs: string[]): Record<string, unknown> {
  const inputs = Object.keys(args).filter((k) => !k.startsWith("__") && args[k] !== undefined);
  if (inputs.length === 0) return {};
  const done = (async () => {
    for (const input of inputs) {
      if (!(await isSecret(output(args[input])))) continue;
      for (const o of [...(target.carriedBy?.[input] ?? []), MANAGED_INPUTS])
        if (!additionalSecretOutputs.includes(o)) additionalSecretOutputs.push(o);
    }
    return undefined;
  })();
  return { __secretCarriers: done };
}
