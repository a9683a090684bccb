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
 * harness/README.md lists what the engine models and what it does not.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { DIFF_SOME, DIFF_UNKNOWN, ProviderCallError, ProviderProcess, defaultRepoRoot } from "./provider-process";
import {
  Json,
  JsonObject,
  UNKNOWN,
  annotateSecrets,
  applyIgnoreChanges,
  decryptSecrets,
  deepEqual,
  encryptSecrets,
  isSecret,
  markSecrets,
  toProvider,
  toProviderObject,
  wrapSecret,
} from "./values";

const settings = require("@pulumi/pulumi/runtime/settings");
const runtimeState = require("@pulumi/pulumi/runtime/state");
const runtimeResource = require("@pulumi/pulumi/runtime/resource");
const resproto = require("@pulumi/pulumi/proto/resource_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");

export interface EngineOptions {
  /** Least time between two state checkpoints written during an operation, in ms (default 250; 0: after every step). */
  checkpointMs?: number;
  /** JSON state persisted between operations (and between Engine instances); default: in memory. */
  stateFile?: string;
  /** Stack config sent in Configure args, namespaced keys, e.g. {"veza:url": "..."}. */
  config?: Record<string, string>;
  /** Config keys sent as secrets (wrapped the way the engine wraps secrets). */
  secretConfigKeys?: string[];
  /** Environment of the provider process (merged over process.env; undefined deletes a variable). */
  env?: Record<string, string | undefined>;
  /** Working dir of the provider process (default: the repo root). */
  cwd?: string;
  project?: string;
  stack?: string;
  /** Max concurrent resource operations, like the CLI's `--parallel` (default: `PULUMI_PARALLEL`, else 4 × cores; see `engineParallel`). */
  parallel?: number;
  /** Bound on every single gRPC call (default 60 s). */
  callTimeoutMs?: number;
  /** Bound on each phase of an operation: program run, registrations, deletes, reads (default 45 s). */
  opTimeoutMs?: number;
  /**
   * Like the CLI's `--continue-on-error`: keep going after a failed resource (dependents of the
   * failed one are skipped and reported, independent resources go through). Default false: like
   * the CLI, no new operation starts after the first failure; operations in flight complete.
   */
  continueOnError?: boolean;
  /**
   * `refresh` runs every read twice, like `pulumi refresh` without `--skip-preview` (a preview
   * pass in its own provider process, then the refresh). Default false (`--skip-preview`).
   */
  refreshWithPreview?: boolean;
  /**
   * Called with every step of an up or preview (the CLI's step events: op, URN, old and new state);
   * harness/preview-json.ts turns them into `pulumi preview --json`'s document.
   */
  onStep?: (step: StepEvent) => void;
}

/** A step as the CLI's engine reports it (ResourcePreEvent metadata): its op and the states before and after. */
export interface StepEvent {
  op: "same" | "create" | "update" | "replace" | "delete" | "delete-replaced" | "read";
  urn: string;
  old?: StateResource;
  /** The new state, with the registration's per-property dependencies (the CLI keeps them in state; the engine does not). */
  new?: StateResource & { propertyDependencies?: Record<string, string[]> };
}

export type Program = () => unknown | Promise<unknown>;

export interface UpOptions {
  /** `pulumi up --refresh`: refresh every resource in state first, then run the program. */
  refresh?: boolean;
}

export type ResourceOp =
  | "create"
  | "update"
  | "replace"
  | "delete"
  | "same"
  | "read"
  | "refresh-update"
  | "refresh-delete"
  /** The `import` option: the object was read by its id and taken into state (an update may follow, `changes`). */
  | "import"
  | "failed"
  /** Not started: an earlier resource failed and the operation stopped (no `continueOnError`). */
  | "skipped";

export interface ResourceResult {
  urn: string;
  type: string;
  name: string;
  op: ResourceOp;
  id?: string;
  changes?: boolean;
  replaces?: string[];
  /**
   * For an update or replace: the keys the CLI's row names (`[diff: ~labels]`). A dynamic provider
   * sends no detailed diff, so the CLI compares the old inputs with the new ones.
   */
  diffKeys?: string[];
  error?: string;
}

export interface Summary {
  op: "up" | "preview" | "refresh" | "destroy";
  creates: number;
  updates: number;
  replaces: number;
  deletes: number;
  sames: number;
  errors: { name: string; message: string }[];
  resources: Record<string, ResourceResult>;
  outputs: Record<string, unknown>;
  grpc: Record<string, number>;
  /** Most resource operations the engine ran at once (bounded by `parallel`). */
  peakParallel: number;
  stderr: string;
  warnings: string[];
  /** `up --refresh`: what the refresh before the program did. */
  refresh?: Summary;
}

export interface StateResource {
  urn: string;
  type: string;
  name: string;
  id?: string;
  parent?: string;
  inputs: JsonObject;
  outputs: JsonObject;
  dependencies: string[];
  initErrors?: string[];
  /** A replaced resource whose deletion is still pending (create-before-delete). */
  delete?: boolean;
  /** The registration's `additionalSecretOutputs`, applied again when a refresh reads new outputs. */
  additionalSecretOutputs?: string[];
  /** The id the `import` option named, while the program still names it (the CLI's ImportID). */
  importId?: string;
  /** The `retainOnDelete` option: deleting (also the delete half of a replace) only drops the entry from state. */
  retainOnDelete?: boolean;
  /** Read with `Resource.get` / `opts.id`: never deleted by the engine, only dropped from state. */
  external?: boolean;
}

export interface EngineState {
  resources: StateResource[];
  /**
   * The stack config the last `up` configured the provider with (engine form: secret values
   * wrapped, encrypted in the file), as the CLI keeps it in the default provider's state entry.
   * `refresh` and `destroy` configure the provider from it.
   */
  config?: JsonObject;
}

const DYNAMIC_PREFIX = "pulumi-nodejs:dynamic";
const STACK_TYPE = "pulumi:pulumi:Stack";
const REGISTRATION_FAILED = "failed to register new resource";
const READ_FAILED = "failed to read resource";

/** `veza:url` -> `veza:config:url`: the key form the Node.js language host writes into PULUMI_CONFIG. */
export function languageHostKey(key: string): string {
  const i = key.indexOf(":");
  if (i <= 0 || key.startsWith("config:", i + 1)) return key;
  return `${key.slice(0, i)}:config:${key.slice(i + 1)}`;
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

/** Top-level keys whose values differ, internal `__` keys (such as `__provider`) left out. */
function changedKeys(olds: JsonObject, news: JsonObject): string[] {
  const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
  return [...keys].filter((k) => !k.startsWith("__") && !deepEqual(olds[k], news[k])).sort();
}

function isDynamic(type: string): boolean {
  return type === DYNAMIC_PREFIX || type.startsWith(DYNAMIC_PREFIX + ":") || type.startsWith(DYNAMIC_PREFIX + "/");
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function errMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/**
 * The resource operations the engine runs at once, as the Pulumi CLI chooses them: the `--parallel`
 * flag (here the `parallel` option), else the `PULUMI_PARALLEL` variable, else 4 × the machine's
 * cores (8 on a 2-core runner, 64 on a 16-core laptop). 0 or less: unbounded. A `PULUMI_PARALLEL`
 * that is not a number is ignored here (the CLI refuses it).
 */
export function engineParallel(option: number | undefined, env: Readonly<Record<string, string | undefined>> = process.env, cores = os.cpus().length): number {
  const raw = env.PULUMI_PARALLEL?.trim();
  const fromEnv = raw && Number.isFinite(Number(raw)) ? Number(raw) : undefined;
  const n = option ?? fromEnv ?? 4 * Math.max(1, cores);
  return n > 0 ? Math.floor(n) : Infinity;
}

class Semaphore {
  private active = 0;
  private waiting: (() => void)[] = [];
  /** Most holders at once so far. */
  peak = 0;
  constructor(private readonly max: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    this.peak = Math.max(this.peak, this.active);
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`harness: timed out after ${ms}ms waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

// ---- process-wide plumbing ---------------------------------------------------------------------

let activeOp: Operation | undefined;
let opChain: Promise<unknown> = Promise.resolve();

// A registration whose inputs fail to resolve (e.g. an `apply` callback threw) never reaches the
// monitor; the runtime rethrows that error from a promise nobody handles (the real language host
// dies of it; under jest it would fail the test). Catch it, attributed to the resource named in
// the runtime's label `resource:<name>[<type>]`.
const debuggable = require("@pulumi/pulumi/runtime/debuggable");
if (!debuggable.__vezaHarnessPatched) {
  const original = debuggable.debuggablePromise;
  debuggable.debuggablePromise = function patched(p: Promise<unknown>, ctx: unknown) {
    const result = withPlainStackTraces(() => original.call(this, p, ctx));
    const op = activeOp;
    // registrations are labelled `resource:<name>[<type>]`, reads `resource:<name>[<type>]#...`
    const m = typeof ctx === "string" ? /^resource:(.*)\[([^\]]*)\](?:#\.\.\.)?$/.exec(ctx) : null;
    if (op && m) {
      void (result as Promise<unknown>).catch((err: unknown) => op.prepareFailed(m[1], m[2], err));
    }
    return result;
  };
  debuggable.__vezaHarnessPatched = true;
}

/**
 * Runs `fn` with the stack traces of a plain Node process: V8's own format, at most Node's default
 * of 10 frames. The runtime records a stack trace on every promise it makes (`debuggablePromise`;
 * read only to report leaked promises). Jest raises the limit to 100 frames and formats each frame
 * through source maps (source-map-support, installed in the test's realm and in Node's main one,
 * which Node falls back to when the test's `Error.prepareStackTrace` is unset): that took about a
 * third of the CPU of a test file registering a few hundred resources.
 */
const NODE_STACK_TRACE_LIMIT = 10;
const plainStackTrace = (error: Error, frames: NodeJS.CallSite[]): string => `${error}${frames.map((f) => `\n    at ${f}`).join("")}`;
function withPlainStackTraces<T>(fn: () => T): T {
  const [prepare, limit] = [Error.prepareStackTrace, Error.stackTraceLimit];
  Error.prepareStackTrace = plainStackTrace;
  Error.stackTraceLimit = NODE_STACK_TRACE_LIMIT;
  try {
    return fn();
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
}

// ---- one operation -----------------------------------------------------------------------------

type Kind = Summary["op"];

class Operation {
  readonly results: Record<string, ResourceResult> = {};
  readonly errors: { name: string; message: string }[] = [];
  /** Warnings the engine itself prints (not the provider's stderr), e.g. a preview of a replace that names an import id. */
  readonly warnings: string[] = [];
  outputs: Record<string, unknown> = {};

  private readonly old = new Map<string, StateResource>();
  private readonly registered = new Set<string>();
  private readonly registeredNames = new Set<string>();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly sem: Semaphore;
  private readonly unhandled: unknown[] = [];
  private readonly failedUrns = new Set<string>();
  /** Set by the first failure; with `continueOnError` off, nothing new starts after it. */
  private halted = false;

  constructor(
    private readonly engine: Engine,
    readonly kind: Kind,
    private readonly prov: ProviderProcess,
    private live: StateResource[],
    /** Config the program sees (engine form), for up / preview. */
    private readonly programConfig: JsonObject = {},
    /** A dry run: nothing is written (preview, and the preview pass of a refresh). */
    private readonly dryRun: boolean = kind === "preview",
  ) {
    this.sem = new Semaphore(engine.parallel);
    // An external (read) resource is not the old state of a registered resource with its URN.
    for (const r of live) if (!r.delete && !r.external) this.old.set(r.urn, clone(r));
  }

  get preview(): boolean {
    return this.dryRun;
  }

  /** The provider process this operation calls. */
  get provider(): ProviderProcess {
    return this.prov;
  }

  /** True once a resource failed and the operation must not start anything new (the CLI's default). */
  private get stopping(): boolean {
    return this.halted && !this.engine.opts.continueOnError;
  }

  private skip(name: string, base: Omit<ResourceResult, "op" | "error">): void {
    if (!this.results[name]) this.results[name] = { ...base, op: "skipped" };
  }

  private get timeout(): number {
    return this.engine.opts.opTimeoutMs ?? 45_000;
  }

  // -- state helpers

  private persist(): void {
    if (!this.preview) this.engine.checkpoint(this.live);
  }

  /**
   * Position in `live` of each URN's live (not pending-delete) entry. Every registration looks its URN
   * up; a scan of `live` per registration made an operation quadratic in the stack (81 M comparisons
   * at 9,000 resources). Rebuilt after a removal shifts positions.
   */
  private liveAt: Map<string, number> | undefined;

  private positions(): Map<string, number> {
    if (!this.liveAt) {
      this.liveAt = new Map();
      this.live.forEach((r, i) => {
        if (!r.delete) this.liveAt!.set(r.urn, i);
      });
    }
    return this.liveAt;
  }

  private findLive(urn: string): StateResource | undefined {
    const i = this.positions().get(urn);
    return i === undefined ? undefined : this.live[i];
  }

  private upsert(entry: StateResource): void {
    const at = this.positions();
    const i = at.get(entry.urn);
    if (i !== undefined) this.live[i] = entry;
    else at.set(entry.urn, this.live.push(entry) - 1);
  }

  /** Replaces `entry` (same URN, same position) with `updated`. */
  private replace(entry: StateResource, updated: StateResource): void {
    const i = this.live.indexOf(entry);
    if (i >= 0) this.live[i] = updated;
  }

  private remove(entry: StateResource): void {
    const i = this.live.indexOf(entry);
    if (i < 0) return;
    this.live.splice(i, 1);
    this.liveAt = undefined;
  }

  /** Reports a step to EngineOptions.onStep (copies: the listener may keep them). */
  private emit(op: StepEvent["op"], urn: string, old: StateResource | undefined, neu: StepEvent["new"]): void {
    const listener = this.engine.opts.onStep;
    if (listener) listener(clone({ op, urn, ...(old ? { old } : {}), ...(neu ? { new: neu } : {}) }));
  }

  /** A preview's deletes: registered resources of the old state the program no longer declares. */
  previewDeletes(): void {
    for (const r of this.old.values()) if (isDynamic(r.type) && !this.registered.has(r.urn)) this.emit("delete", r.urn, r, undefined);
  }

  private fail(name: string, base: Omit<ResourceResult, "op" | "error">, message: string): void {
    this.halted = true;
    this.results[name] = { ...base, op: "failed", error: message };
    this.errors.push({ name, message });
  }

  // -- program run (up / preview)

  async runProgram(program: Program): Promise<void> {
    const restoreConfig = this.exposeProgramConfig();
    try {
      await this.runProgramWithConfig(program);
    } finally {
      restoreConfig();
    }
  }

  /**
   * The Node.js language host gives the program the stack config in PULUMI_CONFIG with keys in the
   * old `<ns>:config:<key>` form (and PULUMI_CONFIG_SECRET_KEYS); `@pulumi/pulumi`'s Config reads
   * them from the runtime store, which captured PULUMI_CONFIG when it was created, so both are set.
   */
  private exposeProgramConfig(): () => void {
    const values: Record<string, string> = {};
    const secrets: string[] = [];
    for (const [k, v] of Object.entries(this.programConfig)) {
      const key = languageHostKey(k);
      values[key] = String(isSecret(v) ? v.value : v);
      if (isSecret(v)) secrets.push(key);
    }
    const ENV = "PULUMI_CONFIG";
    const ENV_SECRETS = "PULUMI_CONFIG_SECRET_KEYS";
    const store = runtimeState.getStore();
    const saved = { env: process.env[ENV], envSecrets: process.env[ENV_SECRETS], store: store.config[ENV], storeSecrets: store.config[ENV_SECRETS] };
    process.env[ENV] = store.config[ENV] = JSON.stringify(values);
    process.env[ENV_SECRETS] = store.config[ENV_SECRETS] = JSON.stringify(secrets);
    return () => {
      if (saved.env === undefined) delete process.env[ENV];
      else process.env[ENV] = saved.env;
      if (saved.envSecrets === undefined) delete process.env[ENV_SECRETS];
      else process.env[ENV_SECRETS] = saved.envSecrets;
      store.config[ENV] = saved.store;
      store.config[ENV_SECRETS] = saved.storeSecrets;
    };
  }

  private async runProgramWithConfig(program: Program): Promise<void> {
    const eng = this.engine;
    await pulumi.runtime.setMocks(
      {
        newResource: () => {
          throw new Error("harness: unexpected MockMonitor.newResource call");
        },
        call: (args: pulumi.runtime.MockCallArgs) => {
          throw new Error(`harness: invokes are not supported (${args.token})`);
        },
      },
      eng.project,
      eng.stack,
      this.preview,
    );
    const monitor = settings.getMonitor();
    monitor.registerResource = (req: any, cb: (err: unknown, resp?: unknown) => void) => {
      const p = this.register(req).then(
        (resp) => cb(null, resp),
        (err) => cb(err, undefined),
      );
      this.track(p);
    };
    monitor.registerResourceOutputs = (req: any, cb: (err: unknown, resp?: unknown) => void) => {
      try {
        const outs = (req.getOutputs()?.toJavaScript() ?? {}) as JsonObject;
        const entry = this.findLive(req.getUrn());
        if (entry) entry.outputs = outs;
        if (entry?.type === STACK_TYPE) {
          this.outputs = toProviderObject(outs) as Record<string, unknown>;
          this.persist();
        }
        cb(null, {});
      } catch (e) {
        cb(e);
      }
    };
    monitor.readResource = (req: any, cb: (err: unknown, resp?: unknown) => void) => {
      const p = this.readExternal(req).then(
        (resp) => cb(null, resp),
        (err) => cb(err, undefined),
      );
      this.track(p);
    };

    const onUnhandled = (reason: unknown) => this.unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    // The program's `pulumi.log.warn`: without an engine connection the SDK writes it to
    // console.warn; the CLI shows it as a warning of the update, so the summary lists it.
    const consoleWarn = console.warn;
    console.warn = (...args: unknown[]) => {
      const text = args.map(String).join(" ");
      const m = /^warning: \[runtime\] ([\s\S]*)$/.exec(text);
      if (m) this.warnings.push(m[1]);
      else consoleWarn(...args);
    };
    try {
      const stackDone = pulumi.runtime.runInPulumiStack(async () => program()).then(
        () => undefined,
        (e) => this.programError(e),
      );
      await withTimeout(stackDone, this.timeout, "the program to return its outputs");
      // All registrations settled: the runtime's RPC keep-alive chain has drained and no
      // registration of ours is still in flight (a late registration restarts the wait).
      for (;;) {
        try {
          await withTimeout(settings.waitForRPCs(), this.timeout, "outstanding resource registrations");
        } catch (e) {
          // The program threw (e.g. a constructor's validation): the runtime's RPC chain carries the
          // same error. The CLI fails the update with it; it is already in the summary's errors.
          if (!this.programErrors.has(e)) throw e;
        }
        if (this.inflight.size === 0) break;
        await withTimeout(Promise.allSettled([...this.inflight]), this.timeout, "resource operations");
      }
      // Let rejections of dependents of failed resources surface before the listener goes away.
      await new Promise((r) => setTimeout(r, 0));
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off("unhandledRejection", onUnhandled);
      console.warn = consoleWarn;
    }
    for (const u of this.unhandled) {
      const m = errMessage(u);
      if (!m.includes(REGISTRATION_FAILED) && !m.includes(READ_FAILED)) this.errors.push({ name: "<unhandled>", message: m });
    }
  }

  /** A resource whose registration failed before reaching the monitor (its inputs rejected). */
  prepareFailed(name: string, type: string, err: unknown): void {
    if (this.results[name]?.op === "failed") return;
    this.fail(name, { urn: "", type, name }, `not registered: ${errMessage(err)}`);
  }

  /** Errors the program itself threw (reported once, as the stack's error). */
  private readonly programErrors = new Set<unknown>();

  private programError(e: unknown): void {
    this.programErrors.add(e);
    const m = errMessage(e);
    if (m.includes(REGISTRATION_FAILED) || m.includes(READ_FAILED)) return; // already reported on the failed resource
    this.errors.push({ name: `${this.engine.project}-${this.engine.stack}`, message: m });
  }

  private track(p: Promise<unknown>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private makeUrn(parent: string, type: string, name: string, stack = this.engine.stack, project = this.engine.project): string {
    let qualified = type;
    if (parent) {
      const parentType = parent.split("::")[2];
      if (parentType && parentType !== STACK_TYPE) qualified = `${parentType}$${type}`;
    }
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
  }

  /**
   * The registration's `aliases` (structured, as the SDK sends them when the monitor supports them):
   * the old URNs this resource may have had. An alias spec's missing parts are the resource's own.
   */
  private aliasUrns(req: any, type: string, name: string, parent: string): string[] {
    return (req.getAliasesList() as any[]).map((a) => {
      if (a.getUrn()) return a.getUrn() as string;
      const spec = a.getSpec();
      const aliasParent = spec.getNoparent() ? "" : spec.getParenturn() || parent;
      return this.makeUrn(aliasParent, spec.getType() || type, spec.getName() || name, spec.getStack() || undefined, spec.getProject() || undefined);
    });
  }

  /**
   * The old state of a resource registered under a new URN with an alias to its old one
   * (step_generator.go): the old entry becomes this URN's, so it is diffed (Check gets its old
   * inputs) instead of being created anew and the old one deleted.
   */
  private claimAlias(req: any, urn: string, type: string, name: string, parent: string): StateResource | undefined {
    for (const alias of this.aliasUrns(req, type, name, parent)) {
      const old = this.old.get(alias);
      if (!old || alias === urn || this.registered.has(alias)) continue;
      this.registered.add(alias);
      this.old.set(urn, { ...old, urn, name });
      const live = this.findLive(alias);
      if (live && !this.preview) {
        this.replace(live, { ...live, urn, name });
        this.liveAt = undefined;
      }
      return this.old.get(urn);
    }
    return undefined;
  }

  private response(urn: string, id: string, object: JsonObject, result: number = resproto.Result.SUCCESS): unknown {
    const resp = new resproto.RegisterResourceResponse();
    resp.setUrn(urn);
    resp.setId(id);
    resp.setObject(Struct.fromJavaScript(object));
    resp.setResult(result);
    return resp;
  }

  /**
   * The answer for a failed (FAIL) or skipped (SKIP) resource, as the engine gives it with
   * --continue-on-error: a non-SUCCESS result makes the runtime keep unknowns, so the id and every
   * property are unknown, and dependents register (with unknown inputs) instead of hanging.
   */
  private failedResponse(urn: string, inputs: JsonObject, result: number): unknown {
    const object: JsonObject = {};
    for (const k of Object.keys(inputs)) object[k] = UNKNOWN;
    return this.response(urn, "", object, result);
  }

  private async register(req: any): Promise<unknown> {
    const type: string = req.getType();
    const name: string = req.getName();
    const parent: string = req.getParent();
    const urn = this.makeUrn(parent, type, name);
    this.registeredNames.add(name);
    if (this.registered.has(urn)) {
      const message = `duplicate resource URN ${urn}`;
      this.fail(name, { urn, type, name }, message);
      return this.failedResponse(urn, {}, resproto.Result.FAIL);
    }
    this.registered.add(urn);
    const inputs = (req.getObject()?.toJavaScript() ?? {}) as JsonObject;
    const dependencies: string[] = req.getDependenciesList();

    if (!isDynamic(type)) {
      if (req.getCustom()) {
        const message = `harness: only dynamic resources are supported, got custom resource type ${type}`;
        this.fail(name, { urn, type, name }, message);
        this.failedUrns.add(urn);
        return this.failedResponse(urn, inputs, resproto.Result.FAIL);
      }
      // The root stack and component resources: recorded, nothing to do.
      const prior = this.findLive(urn);
      const entry: StateResource = { urn, type, name, ...(parent ? { parent } : {}), inputs: {}, outputs: prior?.outputs ?? {}, dependencies };
      this.upsert(entry);
      this.persist();
      this.emit(prior ? "same" : "create", urn, prior, entry);
      return this.response(urn, "", {});
    }
    if (this.stopping) {
      // Like the CLI without --continue-on-error: nothing new starts after a failure.
      this.failedUrns.add(urn);
      this.skip(name, { urn, type, name });
      return this.failedResponse(urn, inputs, resproto.Result.SKIP);
    }
    const failedDep = [...dependencies, parent].find((d) => d && this.failedUrns.has(d));
    if (failedDep) {
      this.failedUrns.add(urn);
      this.fail(name, { urn, type, name }, `skipped: depends on failed resource ${failedDep}`);
      return this.failedResponse(urn, inputs, resproto.Result.SKIP);
    }
    try {
      const resp = await this.sem.run(async () => {
        if (this.stopping) return undefined; // a failure happened while this one waited for a slot
        return this.step(req, urn, type, name, parent, inputs, dependencies);
      });
      if (resp === undefined) {
        this.failedUrns.add(urn);
        this.skip(name, { urn, type, name });
        return this.failedResponse(urn, inputs, resproto.Result.SKIP);
      }
      return resp;
    } catch (e) {
      this.failedUrns.add(urn);
      if (this.results[name]?.op !== "failed") this.fail(name, { urn, type, name }, errMessage(e));
      return this.failedResponse(urn, inputs, resproto.Result.FAIL);
    }
  }

  /**
   * `Resource.get(name, id)` / `opts.id`: the CLI's ReadStep. It runs in previews too; an unknown id
   * gives empty outputs; the provider's Read gets the registration's properties (for a dynamic
   * resource only `__provider`) as both inputs and state; an empty id back is the engine's error
   * "resource '<id>' does not exist". The resource lands in state as external: destroy and a program
   * that no longer reads it drop it from state without calling Delete.
   */
  private async readExternal(req: any): Promise<unknown> {
    const type: string = req.getType();
    const name: string = req.getName();
    const parent: string = req.getParent();
    const id: string = req.getId();
    const urn = this.makeUrn(parent, type, name);
    const base = { urn, type, name, id };
    this.registeredNames.add(name);
    const respond = (outputs: JsonObject) => {
      const resp = new resproto.ReadResourceResponse();
      resp.setUrn(urn);
      resp.setProperties(Struct.fromJavaScript(outputs));
      return resp;
    };
    if (this.registered.has(urn)) {
      this.fail(name, base, `duplicate resource URN ${urn}`);
      return respond({});
    }
    this.registered.add(urn);
    const inputs = (req.getProperties()?.toJavaScript() ?? {}) as JsonObject;
    const dependencies: string[] = req.getDependenciesList();
    // A failed read is an error of the operation (reported in the summary). The CLI also fails the
    // program's read; here the program gets empty outputs instead, because the SDK would turn the
    // error into unhandled rejections of every output, which jest reports as a test failure.
    if (!isDynamic(type)) {
      this.fail(name, base, `harness: only dynamic resources can be read, got ${type}`);
      return respond({});
    }
    if (this.stopping) {
      this.failedUrns.add(urn);
      this.skip(name, base);
      return respond({});
    }
    return this.sem.run(async () => {
      if (id === UNKNOWN) {
        this.results[name] = { ...base, op: "read" };
        return respond({});
      }
      let res;
      try {
        res = await this.prov.read(urn, name, type, id, toProviderObject(inputs), toProviderObject(inputs));
      } catch (e) {
        this.failedUrns.add(urn);
        this.fail(name, base, `read: ${errMessage(e)}`);
        return respond({});
      }
      if (!res.id) {
        // provider_plugin.go Read: an empty id is "missing" (nil outputs); ReadStep then fails with this
        this.failedUrns.add(urn);
        this.fail(name, base, `resource '${id}' does not exist`);
        return respond({});
      }
      const outputs = markSecrets(annotateSecrets(res.properties, inputs), req.getAdditionalsecretoutputsList() as string[]);
      const entry: StateResource = { urn, type, name, ...(parent ? { parent } : {}), id: res.id, inputs, outputs, dependencies, external: true };
      if (!this.preview) {
        this.upsert(entry);
        this.persist();
      }
      this.emit("read", urn, undefined, entry);
      this.results[name] = { ...base, id: res.id, op: "read" };
      return respond(outputs);
    });
  }

  /**
   * The outputs as the engine records them: the same-name rule against the checked inputs (nested),
   * then every `additionalSecretOutputs` key (step_executor.go; `id` cannot be made secret).
   */
  private secretOutputs(props: JsonObject, checkedEngine: JsonObject, additionalSecretOutputs: readonly string[]): JsonObject {
    return markSecrets(annotateSecrets(props, checkedEngine), additionalSecretOutputs.filter((k) => k !== "id"));
  }

  /**
   * The `import` resource option (ImportStep in pkg/resource/deploy/step.go, non-planned): the
   * provider's Read gets only the id (no properties, no inputs), so a dynamic provider, which finds
   * its code in `__provider`, cannot serve it. A Read that returns no inputs fails the import with
   * the engine's message. Otherwise the read state becomes the old state the registration is diffed
   * against (continueStepsFromImport).
   */
  private async importRead(urn: string, name: string, type: string, importId: string): Promise<StateResource> {
    const base = { urn, type, name, id: importId };
    let res;
    try {
      res = await this.prov.read(urn, name, type, importId, {}, {});
    } catch (e) {
      this.fail(name, base, `import: read: ${errMessage(e)}`);
      throw e;
    }
    const fail = (message: string) => {
      this.fail(name, base, message);
      return new Error(message);
    };
    if (!res.id && Object.keys(res.properties).length === 0) throw fail(`resource '${importId}' does not exist`);
    if (!res.inputs) throw fail(`provider does not support importing resources; please try updating the '${type.split(":")[0]}' plugin`);
    return { urn, type, name, id: res.id || importId, inputs: res.inputs, outputs: res.properties, dependencies: [], importId };
  }

  private async step(
    req: any,
    urn: string,
    type: string,
    name: string,
    parent: string,
    inputs: JsonObject,
    dependencies: string[],
  ): Promise<unknown> {
    const base = { urn, type, name };
    const prov = this.prov;
    const additionalSecretOutputs = req.getAdditionalsecretoutputsList() as string[];
    const ignoreChanges = req.getIgnorechangesList() as string[];
    // step_generator.go: an import when the registration has an id that is not the one the old
    // state was imported with (or created under).
    const importId = (req.getImportid() as string) || undefined;
    let old = this.old.get(urn) ?? this.claimAlias(req, urn, type, name, parent);
    const importing = importId !== undefined && (!old || (old.importId ?? old.id) !== importId);
    if (importing) old = await this.importRead(urn, name, type, importId!);
    // ignoreChanges: the listed inputs take their old values before Check (processIgnoreChanges).
    const programInputs = old && ignoreChanges.length > 0 ? applyIgnoreChanges(inputs, old.inputs, ignoreChanges).inputs : inputs;
    const news = toProviderObject(programInputs);
    const oldInputs = old ? toProviderObject(old.inputs) : {};
    const entryBase = {
      urn,
      type,
      name,
      ...(parent ? { parent } : {}),
      dependencies,
      ...(additionalSecretOutputs.length ? { additionalSecretOutputs } : {}),
      // the state remembers the id it was imported with while the program still names it (ImportID)
      ...(importId !== undefined ? { importId } : {}),
      ...(req.getRetainondelete() ? { retainOnDelete: true } : {}),
    };

    let checked: JsonObject;
    try {
      const chk = await prov.check(urn, name, type, oldInputs, news);
      if (chk.failures.length > 0) {
        const message = `check failed: ${chk.failures.map((f) => (f.property ? `${f.property}: ${f.reason}` : f.reason)).join("; ")}`;
        this.fail(name, base, message);
        throw new Error(message);
      }
      checked = chk.inputs;
    } catch (e) {
      if (e instanceof ProviderCallError) this.fail(name, base, `check: ${e.message}`);
      throw e;
    }
    const checkedEngine = annotateSecrets(checked, programInputs);

    // Decide what to do.
    let op: "create" | "update" | "replace" | "same" = "create";
    let replaces: string[] = [];
    let changes = true;
    let deleteBeforeReplace = req.getDeletebeforereplace() as boolean;
    if (old) {
      let diff;
      try {
        diff = await prov.diff(urn, name, type, old.id ?? "", toProviderObject(old.outputs), checked, oldInputs);
      } catch (e) {
        this.fail(name, { ...base, id: old.id }, `diff: ${errMessage(e)}`);
        throw e;
      }
      replaces = diff.replaces;
      changes = diff.changes === DIFF_SOME || replaces.length > 0;
      if (diff.changes === DIFF_UNKNOWN) changes = !deepEqual(oldInputs, checked);
      if (old.initErrors && old.initErrors.length > 0) changes = true; // the engine always updates init-failed resources
      deleteBeforeReplace = deleteBeforeReplace || diff.deleteBeforeReplace;
      op = replaces.length > 0 ? "replace" : changes ? "update" : "same";
    }
    // A registration that still names an id may not be replaced (step_generator.go): an error in an
    // update, a warning in a preview.
    if (op === "replace" && importId !== undefined) {
      const message = `previously-imported resources that still specify an ID may not be replaced; please remove the \`import\` declaration from your program; ${replaces.join(", ")}`;
      if (!this.preview) {
        this.fail(name, { ...base, id: old?.id }, message);
        throw new Error(message);
      }
      this.warnings.push(`${name}: ${message}`);
    }
    // What the CLI's update row shows without a detailed diff (dynamic providers send none): the
    // top-level keys whose old input differs from the new one, internal `__` keys left out
    // (getDiffInfo in pkg/backend/display/rows.go). `--json`'s diffReasons stay empty.
    const diffKeys = old && op !== "same" ? changedKeys(oldInputs, checked) : undefined;

    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((deps: any, key: string) => (propertyDependencies[key] = deps.getUrnsList()));
    const shownOp: ResourceOp = importing ? "import" : op;
    const record = (id: string | undefined, outputs: JsonObject) => {
      this.results[name] = { ...base, op: shownOp, ...(id !== undefined ? { id } : {}), changes, replaces, ...(diffKeys ? { diffKeys } : {}) };
      this.emit(op, urn, old, { ...entryBase, ...(id ? { id } : {}), inputs: checkedEngine, outputs, propertyDependencies });
    };

    if (this.preview) {
      // No Create/Update/Delete. Outputs of resources that would be created/updated are their
      // checked inputs (the dynamic provider does not support preview); everything else is unknown.
      switch (op) {
        case "same":
          record(old!.id, old!.outputs);
          return this.response(urn, old!.id ?? "", old!.outputs);
        case "update":
          record(old!.id, checkedEngine);
          return this.response(urn, old!.id ?? "", checkedEngine);
        default:
          record(undefined, checkedEngine);
          return this.response(urn, "", checkedEngine);
      }
    }

    if (op === "same") {
      // An import that needs no change keeps the imported state, read inputs included.
      const entry: StateResource = { ...entryBase, id: old!.id, inputs: importing ? old!.inputs : checkedEngine, outputs: old!.outputs };
      this.upsert(entry);
      this.persist();
      record(old!.id, old!.outputs);
      return this.response(urn, old!.id ?? "", old!.outputs);
    }

    if (op === "update") {
      try {
        const res = await prov.update(urn, name, type, old!.id ?? "", toProviderObject(old!.outputs), checked, oldInputs);
        const outputs = this.secretOutputs(res.properties, checkedEngine, additionalSecretOutputs);
        this.upsert({ ...entryBase, id: old!.id, inputs: checkedEngine, outputs });
        this.persist();
        record(old!.id, outputs);
        return this.response(urn, old!.id ?? "", outputs);
      } catch (e) {
        this.handleWriteError(e, name, base, entryBase, checkedEngine, additionalSecretOutputs, old!.id);
        throw e;
      }
    }

    if (op === "replace" && deleteBeforeReplace) {
      const current = this.findLive(urn)!;
      try {
        // retainOnDelete (DeleteStep.Apply): the old object is left where it is, only its state entry goes
        if (!old!.retainOnDelete) await prov.delete(urn, name, type, old!.id ?? "", toProviderObject(old!.outputs), oldInputs);
      } catch (e) {
        this.fail(name, { ...base, id: old!.id }, `delete (before replace): ${errMessage(e)}`);
        throw e;
      }
      this.remove(current);
      this.persist();
    }

    // create (or the create half of a replace)
    let created: { id: string; properties: JsonObject };
    try {
      created = await prov.create(urn, name, type, checked);
    } catch (e) {
      this.handleWriteError(e, name, base, entryBase, checkedEngine, additionalSecretOutputs, undefined);
      throw e;
    }
    const outputs = this.secretOutputs(created.properties, checkedEngine, additionalSecretOutputs);
    if (op === "replace" && !deleteBeforeReplace) {
      const current = this.findLive(urn);
      if (current) {
        current.delete = true; // deleted after the program completes
        this.liveAt?.delete(urn); // the new entry is the URN's live one, appended below
      }
    }
    this.upsert({ ...entryBase, id: created.id, inputs: checkedEngine, outputs });
    this.persist();
    record(created.id, outputs);
    return this.response(urn, created.id, outputs);
  }

  private handleWriteError(
    e: unknown,
    name: string,
    base: { urn: string; type: string; name: string },
    entryBase: Omit<StateResource, "inputs" | "outputs">,
    checkedEngine: JsonObject,
    additionalSecretOutputs: readonly string[],
    oldId: string | undefined,
  ): void {
    const init = e instanceof ProviderCallError ? e.initFailure : undefined;
    const method = e instanceof ProviderCallError ? e.method.toLowerCase() : "operation";
    if (init) {
      // ErrorResourceInitFailed: the object exists; keep it (with its id) so the next up updates it.
      this.upsert({
        ...entryBase,
        id: init.id || oldId,
        inputs: checkedEngine,
        outputs: this.secretOutputs(init.properties, checkedEngine, additionalSecretOutputs),
        initErrors: init.reasons,
      });
      this.persist();
    }
    this.fail(name, { ...base, id: init?.id || oldId }, `${method}: ${errMessage(e)}`);
  }

  // -- deletes (up's removed resources, pending replaced resources, destroy)

  async deleteAll(entries: StateResource[], countAsDelete: (e: StateResource) => boolean): Promise<void> {
    const remaining = new Set(entries);
    const failed = new Set<StateResource>();
    const dependsOn = (a: StateResource, b: StateResource) =>
      a !== b && (a.dependencies.includes(b.urn) || a.parent === b.urn);
    while (remaining.size > 0) {
      if (this.stopping) break; // the rest stays in state; the CLI reports only the failure
      const blockers = [...remaining, ...failed];
      const ready = [...remaining].filter((e) => !blockers.some((o) => dependsOn(o, e)));
      if (ready.length === 0) {
        for (const e of remaining) {
          if (!isDynamic(e.type)) continue; // the stack / components just stay
          this.fail(e.name, { urn: e.urn, type: e.type, name: e.name, id: e.id }, "not deleted: a resource that depends on it could not be deleted");
        }
        break;
      }
      await withTimeout(
        Promise.all(
          ready.map((e) =>
            this.sem.run(async () => {
              if (this.stopping) return;
              remaining.delete(e);
              // An external (read) resource, or one with retainOnDelete, is only dropped from state, as the CLI does.
              if (isDynamic(e.type) && !e.external && !e.retainOnDelete) {
                try {
                  await this.prov.delete(e.urn, e.name, e.type, e.id ?? "", toProviderObject(e.outputs), toProviderObject(e.inputs));
                } catch (err) {
                  failed.add(e);
                  this.fail(e.name, { urn: e.urn, type: e.type, name: e.name, id: e.id }, `delete: ${errMessage(err)}`);
                  return;
                }
                if (countAsDelete(e)) {
                  this.results[e.name] = { urn: e.urn, type: e.type, name: e.name, op: "delete", id: e.id };
                }
                this.emit(e.delete ? "delete-replaced" : "delete", e.urn, e, undefined);
              }
              this.remove(e);
              this.persist();
            }),
          ),
        ),
        this.timeout,
        "deletes",
      );
    }
  }

  async deletePhase(): Promise<void> {
    const pending = this.live.filter((r) => r.delete);
    const removed = this.live.filter((r) => !r.delete && !this.registered.has(r.urn));
    if (this.errors.length > 0) {
      // Without continueOnError the CLI stops at the failure: pending deletes wait for the next up.
      if (!this.engine.opts.continueOnError) return;
      // Like the engine, do not delete resources the program may have failed to declare.
      await this.deleteAll(pending, () => false);
      return;
    }
    await this.deleteAll([...pending, ...removed], (e) => !e.delete);
  }

  // -- refresh

  async refresh(): Promise<void> {
    const targets = this.live.filter((r) => isDynamic(r.type));
    await withTimeout(
      Promise.all(
        targets.map((e) =>
          this.sem.run(async () => {
            if (this.stopping) return;
            const base = { urn: e.urn, type: e.type, name: e.name, id: e.id };
            let res;
            try {
              res = await this.prov.read(e.urn, e.name, e.type, e.id ?? "", toProviderObject(e.outputs), toProviderObject(e.inputs));
            } catch (err) {
              this.fail(e.name, base, `read: ${errMessage(err)}`);
              return;
            }
            if (!res.id) {
              if (!this.preview) {
                this.remove(e);
                this.persist();
              }
              if (!e.delete) this.results[e.name] = { ...base, op: "refresh-delete" };
              return;
            }
            const updated: StateResource = {
              ...e,
              id: res.id,
              // provider_plugin.go Read: secretness by the same-name rule from the old outputs and
              // inputs; then the state's additionalSecretOutputs (step_executor.go)
              outputs: markSecrets(annotateSecrets(res.properties, e.outputs), e.additionalSecretOutputs ?? []),
              inputs: res.inputs ? annotateSecrets(res.inputs, e.inputs) : e.inputs,
            };
            let changed: boolean;
            try {
              changed = await this.refreshChanged(e, updated, res.id);
            } catch (err) {
              this.fail(e.name, base, `diff: ${errMessage(err)}`);
              return;
            }
            if (!this.preview) {
              this.replace(e, updated);
              this.persist();
            }
            if (!e.delete) this.results[e.name] = { ...base, id: res.id, op: changed ? "refresh-update" : "same" };
          }),
        ),
      ),
      this.timeout,
      "refresh reads",
    );
  }

  /**
   * What the CLI shows for a refreshed resource (RefreshStep.ResultOp). For a managed resource it
   * asks the provider's Diff what an `up` of the unchanged program would do right after the refresh
   * (old outputs = refreshed outputs, old inputs = refreshed inputs, new inputs = the inputs in state):
   * no diff shows as "same", even when read-only outputs moved. An external resource compares outputs.
   */
  private async refreshChanged(old: StateResource, updated: StateResource, id: string): Promise<boolean> {
    if (old.external) return !deepEqual(toProviderObject(old.outputs), toProviderObject(updated.outputs));
    const newInputs = toProviderObject(updated.inputs);
    const oldInputs = toProviderObject(old.inputs);
    const diff = await this.prov.diff(old.urn, old.name, old.type, id, toProviderObject(updated.outputs), oldInputs, newInputs);
    if (diff.replaces.length > 0) return true;
    if (diff.changes === DIFF_UNKNOWN) return !deepEqual(newInputs, oldInputs);
    return diff.changes === DIFF_SOME;
  }

  summary(): Summary {
    const count = (...ops: ResourceOp[]) => Object.values(this.results).filter((r) => ops.includes(r.op)).length;
    const stderr = this.prov.stderr;
    return {
      op: this.kind,
      creates: count("create"),
      updates: count("update", "refresh-update"),
      replaces: count("replace"),
      deletes: count("delete", "refresh-delete"),
      sames: count("same"),
      errors: this.errors,
      resources: this.results,
      outputs: this.outputs,
      grpc: { ...this.prov.calls },
      peakParallel: this.sem.peak,
      stderr,
      warnings: [...this.warnings.map((w) => `warning: ${w}`), ...stderr.split("\n").filter((l) => /warning/i.test(l))],
    };
  }

  get state(): StateResource[] {
    return this.live;
  }
}

// ---- the engine ----------------------------------------------------------------------------------

export class Engine {
  readonly project: string;
  readonly stack: string;
  private memState = JSON.stringify({ resources: [] }, null, 2);

  constructor(readonly opts: EngineOptions = {}) {
    this.project = opts.project ?? "project";
    this.stack = opts.stack ?? "stack";
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
    if (this.opts.stateFile) {
      return fs.existsSync(this.opts.stateFile) ? fs.readFileSync(this.opts.stateFile, "utf8") : JSON.stringify({ resources: [] }, null, 2);
    }
    return this.memState;
  }

  private pendingCheckpoint?: StateResource[];
  private lastCheckpoint = 0;
  /** How long the last checkpoint took to write (ms). */
  private lastCheckpointCost = 0;

  /**
   * @internal A checkpoint during an operation: written at most every `checkpointMs` (default 250),
   * so a 900-resource stack does not rewrite the whole state 900 times; the operation always
   * writes the final state when it ends, successful or not. A write that takes long (a large state:
   * 20 MB at 9,000 resources) spaces the next one out to ten times its cost, so checkpoints take at
   * most a tenth of the operation whatever the state's size (at a fixed interval their cost grows
   * with the square of the stack's size).
   */
  checkpoint(resources: StateResource[]): void {
    const now = Date.now();
    const every = this.opts.checkpointMs ?? 250;
    if (now - this.lastCheckpoint >= (every === 0 ? 0 : Math.max(every, 10 * this.lastCheckpointCost))) {
      this.pendingCheckpoint = undefined;
      this.writeState(resources);
      this.lastCheckpointCost = Date.now() - now;
      this.lastCheckpoint = Date.now();
    } else {
      this.pendingCheckpoint = resources;
    }
  }

  /** The config saved in state for the operation in progress (see EngineState.config). */
  private stateConfig?: JsonObject;

  /** @internal */
  writeState(resources: StateResource[]): void {
    this.pendingCheckpoint = undefined;
    const body: Record<string, Json> = { resources: resources.map((r) => encryptSecrets(r as unknown as Json)) };
    if (this.stateConfig && resources.length > 0) body.config = encryptSecrets(this.stateConfig);
    const text = JSON.stringify(body, null, 2);
    if (this.opts.stateFile) {
      const tmp = `${this.opts.stateFile}.tmp-${process.pid}`;
      fs.mkdirSync(path.dirname(this.opts.stateFile), { recursive: true });
      fs.writeFileSync(tmp, text);
      fs.renameSync(tmp, this.opts.stateFile);
    } else {
      this.memState = text;
    }
  }

  private loadState(): { resources: StateResource[]; config?: JsonObject } {
    const parsed = JSON.parse(this.stateText()) as EngineState;
    return {
      resources: (parsed.resources ?? []).map((r) => decryptSecrets(r as unknown as Json) as unknown as StateResource),
      config: parsed.config ? (decryptSecrets(parsed.config) as JsonObject) : undefined,
    };
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

  private newProvider(): ProviderProcess {
    const cwd = this.opts.cwd ?? defaultRepoRoot();
    const env: Record<string, string | undefined> = {
      ...process.env,
      PULUMI_NODEJS_PROJECT: this.project,
      PULUMI_NODEJS_STACK: this.stack,
      ...(this.opts.env ?? {}),
    };
    return ProviderProcess.forOperation({
      cwd,
      env,
      callTimeoutMs: this.opts.callTimeoutMs ?? 60_000,
      startTimeoutMs: 30_000,
    });
  }

  private async runExclusive(kind: Kind, program?: Program, options: UpOptions = {}): Promise<Summary> {
    const loaded = this.loadState();
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
    let op: Operation | undefined;
    if (kind !== "preview") this.stateConfig = config;
    try {
      await prov.start();
      const args = configureArgs(config);
      await prov.configure(args.values, args.secretKeys);
      // `up --refresh` (deployment_executor.go): every resource of the old state is refreshed before
      // the program runs, in the same deployment. The resources' provider comes from the old state,
      // so when the saved config differs from the current one the reads get their own process.
      let resources = loaded.resources;
      let refreshed: { summary: Summary; otherProcess?: Record<string, number> } | undefined;
      if (kind === "up" && options.refresh) {
        const saved = loaded.config ?? config;
        const same = JSON.stringify(saved) === JSON.stringify(config);
        const refreshOp = new Operation(this, "refresh", same ? prov : this.newProvider(), resources, saved);
        refreshed = { summary: await this.refreshWith(refreshOp, same ? undefined : saved) };
        if (!same) refreshed.otherProcess = refreshed.summary.grpc;
        resources = refreshOp.state;
        if (refreshed.summary.errors.length > 0) {
          this.writeState(resources);
          return { ...refreshed.summary, op: "up", refresh: refreshed.summary };
        }
      }
      op = new Operation(this, kind, prov, resources, config);
      activeOp = op;
      switch (kind) {
        case "up":
          await op.runProgram(program!);
          await op.deletePhase();
          break;
        case "preview":
          await op.runProgram(program!);
          op.previewDeletes();
          break;
        case "refresh":
          await op.refresh();
          break;
        case "destroy":
          await op.deleteAll([...op.state].reverse(), (e) => !e.delete);
          break;
      }
      if (kind !== "preview") this.writeState(op.state);
      const summary = op.summary();
      for (const extra of [previewGrpc, refreshed?.otherProcess]) {
        for (const [k, n] of Object.entries(extra ?? {})) summary.grpc[k] = (summary.grpc[k] ?? 0) + n;
      }
      if (refreshed) summary.refresh = refreshed.summary;
      return summary;
    } finally {
      if (this.pendingCheckpoint) this.writeState(this.pendingCheckpoint);
      if (op && activeOp === op) activeOp = undefined;
      await prov.stop();
    }
  }

  /** Runs a refresh operation; with `config`, in its own provider process configured from it. */
  private async refreshWith(op: Operation, config?: JsonObject): Promise<Summary> {
    if (!config) {
      await op.refresh();
      return op.summary();
    }
    const prov = op.provider;
    try {
      await prov.start();
      const args = configureArgs(config);
      await prov.configure(args.values, args.secretKeys);
      await op.refresh();
      return op.summary();
    } finally {
      await prov.stop();
    }
  }

  /** The preview pass of `pulumi refresh` (no --skip-preview): every read, in its own provider process, nothing written. */
  private async runRefreshPreview(resources: StateResource[], config: JsonObject): Promise<Record<string, number>> {
    const prov = this.newProvider();
    const op = new Operation(this, "refresh", prov, clone(resources), config, true);
    try {
      await prov.start();
      const args = configureArgs(config);
      await prov.configure(args.values, args.secretKeys);
      await op.refresh();
      return { ...prov.calls };
    } finally {
      await prov.stop();
    }
  }
}

export { UNKNOWN };
