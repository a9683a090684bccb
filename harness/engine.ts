/**
 * A small test engine that drives the real dynamic-provider gRPC server shipped in @pulumi/pulumi
 * the way the Pulumi CLI does (there is no Pulumi CLI on the build machines).
 *
 * - The program runs in-process under `pulumi.runtime.setMocks(...)`; the mock monitor's
 *   `registerResource` / `registerResourceOutputs` are replaced so the harness sees the raw
 *   RegisterResourceRequest (serialized inputs with unknown sentinels and secret wrappers, the
 *   dependency list, deleteBeforeReplace, additionalSecretOutputs) and answers with real ids and
 *   outputs obtained over gRPC (Check / Diff / Create / Update / Delete).
 * - One `cmd/dynamic-provider` process per operation; `Configure` is sent first: `up` and
 *   `preview` with the current config (saved in state by `up`, as the CLI saves it in the default
 *   provider's entry), `refresh` and `destroy` with the config saved in state.
 * - The program sees the config the way the Node.js language host passes it: `PULUMI_CONFIG` with
 *   keys in the `<ns>:config:<key>` form.
 * - The operation stops at the first failed resource unless `continueOnError` is set.
 * - `Resource.get` / `opts.id` reads go to the provider's Read like the CLI's ReadStep.
 * - Operations are serialized process-wide (the Pulumi runtime is a global singleton).
 *
 * The engine is kept by job, as Pulumi's is (pkg/resource/deploy): this file runs operations
 * (one provider process each, configured first, serialized process-wide); harness/planner.ts
 * decides the steps (pure); harness/executor.ts and harness/state-steps.ts make the provider calls; harness/operation.ts
 * keeps an operation's results; harness/state-store.ts the state; harness/program-runner.ts runs
 * the program under the SDK's mocks. harness/README.md lists what the engine models and what it
 * does not.
 */
import * as os from "node:os";
import { readExternal, register, registrationPrepareFailed } from "./executor";
import { Operation, clone, type Kind } from "./operation";
import { onRegistrationPrepareFailure, runProgram } from "./program-runner";
import type { ProviderConnection } from "./provider-connection";
import { ProviderProcess, defaultRepoRoot } from "./provider-process";
import { StateStore } from "./state-store";
import { deleteAll, deletePhase, previewDeletes, refresh } from "./state-steps";
import type { EngineOptions, EngineState, Program, StateResource, Summary, UpOptions } from "./types";
import { UNKNOWN, isSecret, wrapSecret, type JsonObject } from "./values";

export type * from "./types";
export { languageHostKey } from "./program-runner";

/**
 * The resource operations the engine runs at once, as the Pulumi CLI chooses them: the `--parallel`
 * flag (here the `parallel` option), else the `PULUMI_PARALLEL` variable, else 4 × the machine's
 * cores (8 on a 2-core runner, 64 on a 16-core laptop). 0 or less: unbounded. A `PULUMI_PARALLEL`
 * that is not a number is ignored here (the CLI refuses it).
 */
export function engineParallel(
  option: number | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
  cores = os.cpus().length,
): number {
  const raw = env.PULUMI_PARALLEL?.trim();
  const fromEnv = raw && Number.isFinite(Number(raw)) ? Number(raw) : undefined;
  const n = option ?? fromEnv ?? 4 * Math.max(1, cores);
  return n > 0 ? Math.floor(n) : Infinity;
}

/** Engine-form config (secret values wrapped) -> Configure's plain values and the list of secret keys. */
function configureArgs(config: JsonObject): { values: Record<string, string>; secretKeys: string[] } {
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [k, v] of Object.entries(config)) {
    values[k] = String(isSecret(v) ? v.value : v);
    if (isSecret(v)) secretKeys.push(k);
  }
  return { values, secretKeys };
}

/** Operations run one at a time process-wide: the Pulumi runtime is a global singleton. */
let opChain: Promise<unknown> = Promise.resolve();

export class Engine {
  readonly project: string;
  readonly stack: string;
  private readonly store: StateStore;

  constructor(readonly opts: EngineOptions = {}) {
    this.project = opts.project ?? "project";
    this.stack = opts.stack ?? "stack";
    this.store = new StateStore(opts.stateFile, opts.checkpointMs ?? 250);
  }

  /** Resource operations run at once (`engineParallel`). */
  get parallel(): number {
    return engineParallel(this.opts.parallel);
  }

  /** `pulumi up`; `{ refresh: true }` is `pulumi up --refresh` (every resource read first, in the same deployment). */
  up(program: Program, options: UpOptions = {}): Promise<Summary> {
    return this.run("up", program, options);
  }

  preview(program: Program): Promise<Summary> {
    return this.run("preview", program);
  }

  refresh(): Promise<Summary> {
    return this.run("refresh");
  }

  destroy(): Promise<Summary> {
    return this.run("destroy");
  }

  /** The persisted state (secrets appear as ciphertext, as in the file). */
  state(): EngineState {
    return JSON.parse(this.stateText()) as EngineState;
  }

  /** The exact JSON written to the state file. */
  stateText(): string {
    return this.store.text();
  }

  /** EngineOptions.config in engine form (secret keys wrapped). */
  private currentConfig(): JsonObject {
    const secret = new Set(this.opts.secretConfigKeys ?? []);
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(this.opts.config ?? {})) out[k] = secret.has(k) ? wrapSecret(v) : v;
    return out;
  }

  private run(kind: Kind, program?: Program, options: UpOptions = {}): Promise<Summary> {
    const next = opChain.then(() => this.runExclusive(kind, program, options));
    opChain = next.catch(() => undefined);
    return next;
  }

  private newProvider(): ProviderConnection {
    const cwd = this.opts.cwd ?? defaultRepoRoot();
    const env: Record<string, string | undefined> = {
      ...process.env,
      PULUMI_NODEJS_PROJECT: this.project,
      PULUMI_NODEJS_STACK: this.stack,
      ...(this.opts.env ?? {}),
    };
    const options = { cwd, env, callTimeoutMs: this.opts.callTimeoutMs ?? 60_000, startTimeoutMs: 30_000, plugin: this.opts.plugin };
    if (!this.opts.providerHost) return ProviderProcess.forOperation(options);
    // an in-process host serves the dynamic provider; a plugin is served by its own `serve`
    if (this.opts.plugin) throw new Error("EngineOptions: providerHost and plugin cannot be combined (a plugin is served by plugin.serve)");
    return this.opts.providerHost(options);
  }

  private newOperation(kind: Kind, prov: ProviderConnection, resources: StateResource[], preview?: boolean): Operation {
    return new Operation(kind, prov, resources, this.opts, this.store, this.parallel, preview);
  }

  /** Starts `prov` and sends Configure with `config` (engine form). */
  private async configure(prov: ProviderConnection, config: JsonObject): Promise<void> {
    await prov.start();
    const args = configureArgs(config);
    await prov.configure(args.values, args.secretKeys);
  }

  private async runExclusive(kind: Kind, program?: Program, options: UpOptions = {}): Promise<Summary> {
    const loaded = this.store.load();
    // up / preview configure the provider from the current stack config (up saves it in state);
    // refresh and destroy, like the CLI without --run-program, from the config saved by the last up.
    // (A state written before the engine saved config has none: it gets the current config, since
    // the CLI always has the default provider's entry.)
    const config = kind === "up" || kind === "preview" || !loaded.config ? this.currentConfig() : loaded.config;
    let previewGrpc: Record<string, number> | undefined;
    if (kind === "refresh" && this.opts.refreshWithPreview) {
      previewGrpc = await this.runRefreshPreview(loaded.resources, config);
    }
    const prov = this.newProvider();
    let detach: (() => void) | undefined;
    if (kind !== "preview") this.store.config = config;
    try {
      await this.configure(prov, config);
      // `up --refresh` (deployment_executor.go): every resource of the old state is refreshed before
      // the program runs, in the same deployment. The resources' provider comes from the old state,
      // so when the saved config differs from the current one the reads get their own process.
      let resources = loaded.resources;
      let refreshed: { summary: Summary; otherProcess?: Record<string, number> } | undefined;
      if (kind === "up" && options.refresh) {
        const saved = loaded.config ?? config;
        const same = JSON.stringify(saved) === JSON.stringify(config);
        const refreshOp = this.newOperation("refresh", same ? prov : this.newProvider(), resources);
        refreshed = { summary: await this.refreshWith(refreshOp, same ? undefined : saved) };
        if (!same) refreshed.otherProcess = refreshed.summary.grpc;
        resources = refreshOp.state;
        if (refreshed.summary.errors.length > 0) {
          this.store.write(resources);
          return { ...refreshed.summary, op: "up", refresh: refreshed.summary };
        }
      }
      const op = this.newOperation(kind, prov, resources);
      detach = onRegistrationPrepareFailure((name, type, err) => registrationPrepareFailed(op, name, type, err));
      switch (kind) {
        case "up":
          await this.runProgram(op, program!, config);
          await deletePhase(op);
          break;
        case "preview":
          await this.runProgram(op, program!, config);
          previewDeletes(op);
          break;
        case "refresh":
          await refresh(op);
          break;
        case "destroy":
          await deleteAll(op, [...op.state].reverse(), (e) => !e.delete);
          break;
      }
      if (kind !== "preview") this.store.write(op.state);
      const summary = op.summary();
      for (const extra of [previewGrpc, refreshed?.otherProcess]) {
        for (const [k, n] of Object.entries(extra ?? {})) summary.grpc[k] = (summary.grpc[k] ?? 0) + n;
      }
      if (refreshed) summary.refresh = refreshed.summary;
      return summary;
    } finally {
      this.store.flush();
      detach?.();
      await prov.stop();
    }
  }

  /** The program of an up or preview, its registrations and reads answered by the executor. */
  private runProgram(op: Operation, program: Program, config: JsonObject): Promise<void> {
    return runProgram(program, {
      project: this.project,
      stack: this.stack,
      preview: op.preview,
      timeoutMs: op.timeout,
      config,
      register: (reg) => register(op, reg),
      read: (req) => readExternal(op, req),
      registerOutputs: (urn, outputs) => op.registerOutputs(urn, outputs),
      warn: (text) => op.warnings.push(text),
      error: (name, message) => op.errors.push({ name, message }),
    });
  }

  /** Runs a refresh operation; with `config`, in its own provider process configured from it. */
  private async refreshWith(op: Operation, config?: JsonObject): Promise<Summary> {
    if (!config) {
      await refresh(op);
      return op.summary();
    }
    try {
      await this.configure(op.provider, config);
      await refresh(op);
      return op.summary();
    } finally {
      await op.provider.stop();
    }
  }

  /** The preview pass of `pulumi refresh` (no --skip-preview): every read, in its own provider process, nothing written. */
  private async runRefreshPreview(resources: StateResource[], config: JsonObject): Promise<Record<string, number>> {
    const prov = this.newProvider();
    const op = this.newOperation("refresh", prov, clone(resources), true);
    try {
      await this.configure(prov, config);
      await refresh(op);
      return { ...prov.calls };
    } finally {
      await prov.stop();
    }
  }
}

export { UNKNOWN };
