/**
 * The resource provider plugin `veza`, as plain calls (./server.ts puts them on gRPC). Every call goes
 * to the same declarations and resource code as the dynamic provider (../resources/registry.ts): the
 * check, the diff, the create/read/update/delete. What differs is only how the engine talks to it:
 *
 * - the configuration comes from the provider's inputs (Configure: `url`, `apiToken`, … as the stack
 *   config's `veza:*` keys; an explicit `veza.Provider` has its own), so one stack can hold two tenants;
 * - Read gets the resource's inputs from the engine (no `__inputs` output kept for it), and works with
 *   only an id, which is what `pulumi import` does;
 * - a name left unset is filled from the resource's logical name in Check (the dynamic class does it
 *   in the program), told to the diff the same way (`__options.nameFromLogicalName`);
 * - `supportsPreview`: a preview of a create or update answers the inputs and unknown computed outputs,
 *   sending nothing to Veza.
 */
import { CONFIG_KEYS, SETTINGS } from "../config";
import { toProfileInfo } from "../lookups";
import { UNKNOWN } from "../pulumi-wire";
import { RESOURCES } from "../resources/registry";
import { createContext, type ProviderContext } from "../resources/shared/context";
import type { DeclaredResource } from "../resources/shared/declare";
import { MANAGED_INPUTS, withReadInputs } from "../resources/shared/managed-inputs";
import { OPTIONS_INPUT, providerOptions } from "../resources/shared/options";
import { VezaUsageError } from "../errors";
import { secretOutputs, unwrapSecrets, wrapSecrets, type Props } from "./secrets";

/** The package name: resource tokens are `veza:index:<Kind>`, functions `veza:index:<name>`. */
export const PACKAGE = "veza";
export const tokenOf = (kind: string) => `${PACKAGE}:index:${kind}`;
/** The config namespace of the stack config (`veza:url`); a provider input is the key without it. */
const NAMESPACE = `${PACKAGE}:`;

export interface CheckFailure {
  property: string;
  reason: string;
}

export interface DiffAnswer {
  changes: boolean;
  /** Every changed property (the CLI's `[diff: ~a,b]`). */
  diffs: string[];
  replaces: string[];
  deleteBeforeReplace: boolean;
  /** Per property: replaced or updated (the CLI shows this when the provider gives it). */
  detailedDiff: Record<string, "update" | "update-replace">;
}

/** The declaration of a resource token, or a usage error naming the ones there are. */
export function resourceOf(type: string): DeclaredResource<any, any> {
  const kind = type.startsWith(`${PACKAGE}:index:`) ? type.slice(`${PACKAGE}:index:`.length) : "";
  const r = RESOURCES[kind];
  if (!r)
    throw new VezaUsageError(`the veza provider has no resource type "${type}"; it has ${Object.keys(RESOURCES).map(tokenOf).join(", ")}`);
  return r;
}

/** The look-ups the plugin serves as functions (Invoke), each answering an object. */
export const FUNCTIONS = {
  listAccessProfiles: async (ctx: ProviderContext, args: Props) => {
    const profiles = [];
    const filter = typeof args.filter === "string" ? args.filter : undefined;
    for await (const p of ctx.api.listProfiles({ filter, entityExtraInfo: args.entityExtraInfo === true })) profiles.push(toProfileInfo(p));
    return { profiles };
  },
  getAvailableIntegrations: async (ctx: ProviderContext) => ({ integrations: await ctx.api.availableIntegrations() }),
} as const satisfies Record<string, (ctx: ProviderContext, args: Props) => Promise<Props>>;

/** The stack config values (`veza:url` → value) from a provider's inputs; the engine's `variables` fill what the inputs lack. */
export function configValues(inputs: Props, variables: Record<string, string> = {}): Record<string, string | undefined> {
  const values: Record<string, string | undefined> = {};
  for (const key of CONFIG_KEYS) {
    const v = inputs[key.slice(NAMESPACE.length)] ?? variables[key];
    // the engine sends a typed value (number, boolean) as it is; the settings read text
    values[key] = v === undefined || v === null || v === UNKNOWN ? undefined : typeof v === "string" ? v : JSON.stringify(v);
  }
  return values;
}

/** The provider inputs' failures: each setting given in a form its row does not read, named and what is allowed (the value is never shown: it may be the token). */
export function checkConfig(inputs: Props): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const values = configValues(inputs);
  for (const row of SETTINGS) {
    const v = values[row.config];
    if (v === undefined) continue;
    const r = row.schema.safeParse(v);
    if (!r.success)
      failures.push({
        property: row.config.slice(NAMESPACE.length),
        reason: `${row.config}: ${r.error.issues[0]?.message ?? "is not valid"}`,
      });
  }
  return failures;
}

/** The provider inputs that differ (a new token or URL updates the provider; nothing is replaced). */
export function diffConfig(olds: Props, news: Props): string[] {
  const [o, n] = [configValues(olds), configValues(news)];
  return CONFIG_KEYS.filter((k) => o[k] !== n[k] || n[k] === UNKNOWN).map((k) => k.slice(NAMESPACE.length));
}

/** The logical name of a URN (`urn:pulumi:stack::project::type::name`). */
export const logicalName = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

export class VezaPlugin {
  private context: ProviderContext | undefined;
  /** The engine accepts secrets in answers (ConfigureRequest.acceptSecrets). */
  private engineAcceptsSecrets = false;

  constructor(private readonly warn: (message: string) => void = (m) => process.stderr.write(`warning: ${m}\n`)) {}

  /** The settings Configure gave (`veza:*` keys), for the contexts of calls with a custom timeout. */
  private config: Record<string, string | undefined> = {};
  /** One context per custom timeout in use (its own client: a shorter retry deadline). */
  private readonly timed = new Map<number, ProviderContext>();

  configure(inputs: Props, variables: Record<string, string>, acceptSecrets: boolean): void {
    this.engineAcceptsSecrets = acceptSecrets;
    this.config = configValues(unwrapSecrets(inputs).plain, variables);
    this.context = { api: createContext(this.config).api, warn: this.warn };
    this.timed.clear();
  }

  /**
   * The context of a call. `timeoutSeconds`: the resource's `customTimeouts` for this operation, as
   * the engine passes it (0: none): it bounds the call's attempts (veza:retryDeadlineMs), so a
   * tenant that keeps failing ends the operation by then instead of after the stack's deadline.
   */
  private ctx(timeoutSeconds = 0): ProviderContext {
    // Configure always comes first from the engine; without it, settings from the environment
    this.context ??= { api: createContext().api, warn: this.warn };
    if (!(timeoutSeconds > 0)) return this.context;
    let c = this.timed.get(timeoutSeconds);
    if (!c) {
      c = {
        api: createContext({ ...this.config, "veza:retryDeadlineMs": String(Math.round(timeoutSeconds * 1000)) }).api,
        warn: this.warn,
      };
      this.timed.set(timeoutSeconds, c);
    }
    return c;
  }

  private answer(outs: Props, secret: Set<string>, r: DeclaredResource<any, any>): Props {
    return this.engineAcceptsSecrets ? wrapSecrets(outs, secretOutputs(secret, r.carriedBy)) : outs;
  }

  /** The inputs checked; a name left unset is the logical name (used at create only). */
  check(type: string, urn: string, olds: Props, news: Props): { inputs: Props; failures: CheckFailure[] } {
    const r = resourceOf(type);
    const { plain, secret } = unwrapSecrets(news);
    const given = { ...plain };
    const name = r.nameInput;
    if (name && (given[name] === undefined || given[name] === null)) {
      given[name] = logicalName(urn);
      given[OPTIONS_INPUT] = { ...providerOptions(given), nameFromLogicalName: true };
    }
    const checked = r.check(given, unwrapSecrets(olds).plain);
    const inputs = this.answer(checked.inputs ?? given, secret, r);
    return { inputs, failures: checked.failures ?? [] };
  }

  diff(type: string, olds: Props, news: Props): DiffAnswer {
    const r = resourceOf(type);
    const [o, n] = [unwrapSecrets(olds).plain, unwrapSecrets(news).plain];
    const result = r.diff(o, n);
    const diffs = r.changed(o, n);
    const replaces = result.replaces ?? [];
    return {
      changes: result.changes === true,
      diffs,
      replaces,
      // a property of the resource (its name is unique), not of this change: a replacement the engine
      // decides on (the replaceOnChanges option) must delete the old object first too
      deleteBeforeReplace: result.deleteBeforeReplace === true || (r.deleteBeforeReplace === true && result.changes === true),
      detailedDiff: Object.fromEntries(diffs.map((k) => [k, replaces.includes(k) ? "update-replace" : "update"])),
    };
  }

  /** `preview`: the outputs as far as they are known (the inputs), every computed one unknown; nothing sent. */
  private previewOutputs(r: DeclaredResource<any, any>, base: Props): Props {
    const out: Props = { ...base };
    for (const k of [...r.outputs, ...r.readOnlyFields.map((f) => f.input)]) if (out[k] === undefined) out[k] = UNKNOWN;
    return out;
  }

  async create(type: string, props: Props, preview: boolean, timeoutSeconds = 0): Promise<{ id: string; outs: Props }> {
    const r = resourceOf(type);
    const { plain, secret } = unwrapSecrets(props);
    if (preview) return { id: "", outs: this.answer(this.previewOutputs(r, plain), secret, r) };
    const created = await r.operations.create(this.ctx(timeoutSeconds), plain);
    return { id: created.id, outs: this.answer(created.outs, secret, r) };
  }

  /**
   * A refresh (outputs and inputs in state), or a look-up / `pulumi import` (only the id): the
   * inputs answered are the old ones where Veza still agrees (../resources/shared/managed-inputs.ts),
   * or, with none, the declared inputs Veza has values for (the code `pulumi import` prints).
   */
  async read(type: string, id: string, props: Props, inputs: Props): Promise<{ id: string; outs: Props; inputs?: Props }> {
    const r = resourceOf(type);
    const p = unwrapSecrets(props);
    const i = unwrapSecrets(inputs);
    const secret = new Set([...p.secret, ...i.secret]);
    const hasState = Object.keys(p.plain).length > 0;
    const read = await r.operations.read(this.ctx(), id, hasState ? p.plain : undefined);
    if (!read.id) return { id: "", outs: {} };
    const outs = read.props as Props;
    const oldInputs = Object.fromEntries(Object.entries(i.plain).filter(([k]) => !k.startsWith("__")));
    let newInputs: Props;
    if (Object.keys(oldInputs).length > 0) {
      const withInputs = withReadInputs({ id: read.id, props: outs }, { [MANAGED_INPUTS]: oldInputs }, r.changed);
      newInputs = { ...(withInputs.inputs ?? oldInputs), ...(i.plain[OPTIONS_INPUT] ? { [OPTIONS_INPUT]: i.plain[OPTIONS_INPUT] } : {}) };
    } else {
      newInputs = importedInputs(r, outs);
    }
    return { id: read.id, outs: this.answer(outs, secret, r), inputs: this.answer(newInputs, secret, r) };
  }

  async update(type: string, id: string, olds: Props, news: Props, preview: boolean, timeoutSeconds = 0): Promise<Props> {
    const r = resourceOf(type);
    const o = unwrapSecrets(olds);
    const n = unwrapSecrets(news);
    const secret = new Set([...o.secret, ...n.secret]);
    if (preview) {
      // what the update will change is unknown until Veza answers; the rest stays
      const changed = new Set([...r.changed(o.plain, n.plain), ...r.readOnlyFields.map((f) => f.input)]);
      const outs: Props = { ...o.plain, ...n.plain };
      for (const k of changed) if (!(k in n.plain)) outs[k] = UNKNOWN;
      return this.answer(outs, secret, r);
    }
    const updated = await r.operations.update(this.ctx(timeoutSeconds), id, o.plain, n.plain);
    return this.answer(updated.outs ?? {}, secret, r);
  }

  async delete(type: string, id: string, props: Props, timeoutSeconds = 0): Promise<void> {
    const r = resourceOf(type);
    await r.operations.delete(this.ctx(timeoutSeconds), id, unwrapSecrets(props).plain);
  }

  async invoke(token: string, args: Props): Promise<Props> {
    const name = token.startsWith(`${PACKAGE}:index:`) ? token.slice(`${PACKAGE}:index:`.length) : "";
    const fn = (FUNCTIONS as Record<string, (ctx: ProviderContext, args: Props) => Promise<Props>>)[name];
    if (!fn)
      throw new VezaUsageError(`the veza provider has no function "${token}"; it has ${Object.keys(FUNCTIONS).map(tokenOf).join(", ")}`);
    return fn(this.ctx(), unwrapSecrets(args).plain);
  }
}

/** For a read with no inputs (`pulumi import`): the declared inputs that Veza holds a value for. */
function importedInputs(r: DeclaredResource<any, any>, outs: Props): Props {
  const inputs: Props = {};
  for (const k of Object.keys(r.inputs)) {
    const v = outs[k];
    if (k === "adoptExisting" || v === undefined || v === null || v === "") continue;
    if (Array.isArray(v) && v.length === 0) continue;
    inputs[k] = v;
  }
  return inputs;
}
