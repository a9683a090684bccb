/**
 * The program runner: what the Node.js language host and the resource monitor do for the CLI. It
 * runs a Pulumi program in this process under `pulumi.runtime.setMocks`, gives it the stack config
 * as the language host does, and takes over the mock monitor's `registerResource`,
 * `registerResourceOutputs` and `readResource`: each raw request is decoded into plain data for the
 * executor (harness/executor.ts) and its answer encoded back for the SDK. It also patches the
 * runtime for the test process (a registration whose inputs fail, plain stack traces).
 */
import * as pulumi from "@pulumi/pulumi";
import type { ReadRequest, RegisterAnswer } from "./executor";
import { errMessage, withTimeout } from "./operation";
import { aliasUrns, makeUrn, type Registration } from "./planner";
import type { Program } from "./types";
import { isSecret, type JsonObject } from "./values";

const settings = require("@pulumi/pulumi/runtime/settings");
const runtimeState = require("@pulumi/pulumi/runtime/state");
const resproto = require("@pulumi/pulumi/proto/resource_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");

const REGISTRATION_FAILED = "failed to register new resource";
const READ_FAILED = "failed to read resource";

/** What a program run needs from the operation it belongs to. */
export interface ProgramHost {
  project: string;
  stack: string;
  /** A dry run (`preview`): the SDK leaves unknowns in place. */
  preview: boolean;
  /** Bound on each wait: the program's outputs, the outstanding registrations. */
  timeoutMs: number;
  /** The stack config the program sees (engine form: secret values wrapped). */
  config: JsonObject;
  register(reg: Registration): Promise<RegisterAnswer>;
  read(req: ReadRequest): Promise<JsonObject>;
  registerOutputs(urn: string, outputs: JsonObject): void;
  /** A program's `pulumi.log.warn`, shown by the CLI as a warning of the update. */
  warn(text: string): void;
  /** An error of the program itself (`name`: the stack) or of a rejection nobody handled. */
  error(name: string, message: string): void;
}

// ---- runtime patches (once per process) ---------------------------------------------------------

/** Told about a registration whose inputs failed to resolve (`name`, `type`): the operation in progress. */
let preparedFailureSink: ((name: string, type: string, err: unknown) => void) | undefined;

/** Sends registrations that fail before reaching the monitor to `sink` until the returned function is called. */
export function onRegistrationPrepareFailure(sink: (name: string, type: string, err: unknown) => void): () => void {
  preparedFailureSink = sink;
  return () => {
    if (preparedFailureSink === sink) preparedFailureSink = undefined;
  };
}

// A registration whose inputs fail to resolve (e.g. an `apply` callback threw) never reaches the
// monitor; the runtime rethrows that error from a promise nobody handles (the real language host
// dies of it; under jest it would fail the test). Catch it, attributed to the resource named in
// the runtime's label `resource:<name>[<type>]`.
const debuggable = require("@pulumi/pulumi/runtime/debuggable");
if (!debuggable.__vezaHarnessPatched) {
  const original = debuggable.debuggablePromise;
  debuggable.debuggablePromise = function patched(p: Promise<unknown>, ctx: unknown) {
    const result = withPlainStackTraces(() => original.call(this, p, ctx));
    const sink = preparedFailureSink;
    // registrations are labelled `resource:<name>[<type>]`, reads `resource:<name>[<type>]#...`
    const m = typeof ctx === "string" ? /^resource:(.*)\[([^\]]*)\](?:#\.\.\.)?$/.exec(ctx) : null;
    if (sink && m) {
      void (result as Promise<unknown>).catch((err: unknown) => sink(m[1], m[2], err));
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
  // a lower limit is the program's own (our resource classes register with none): kept, as in a process
  Error.stackTraceLimit = Math.min(limit, NODE_STACK_TRACE_LIMIT);
  try {
    return fn();
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
}

// ---- config ---------------------------------------------------------------------------------

/** `veza:url` -> `veza:config:url`: the key form the Node.js language host writes into PULUMI_CONFIG. */
export function languageHostKey(key: string): string {
  const i = key.indexOf(":");
  if (i <= 0 || key.startsWith("config:", i + 1)) return key;
  return `${key.slice(0, i)}:config:${key.slice(i + 1)}`;
}

/**
 * The Node.js language host gives the program the stack config in PULUMI_CONFIG with keys in the
 * old `<ns>:config:<key>` form (and PULUMI_CONFIG_SECRET_KEYS); `@pulumi/pulumi`'s Config reads
 * them from the runtime store, which captured PULUMI_CONFIG when it was created, so both are set.
 * Returns the function that restores them.
 */
function exposeProgramConfig(config: JsonObject): () => void {
  const values: Record<string, string> = {};
  const secrets: string[] = [];
  for (const [k, v] of Object.entries(config)) {
    const key = languageHostKey(k);
    values[key] = String(isSecret(v) ? v.value : v);
    if (isSecret(v)) secrets.push(key);
  }
  const ENV = "PULUMI_CONFIG";
  const ENV_SECRETS = "PULUMI_CONFIG_SECRET_KEYS";
  const store = runtimeState.getStore();
  const saved = {
    env: process.env[ENV],
    envSecrets: process.env[ENV_SECRETS],
    store: store.config[ENV],
    storeSecrets: store.config[ENV_SECRETS],
  };
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

// ---- the monitor's requests and answers -----------------------------------------------------------

function decodeRegistration(req: any, host: ProgramHost): Registration {
  const type: string = req.getType();
  const name: string = req.getName();
  const parent: string = req.getParent();
  const own = { stack: host.stack, project: host.project, parent, type, name };
  const propertyDependencies: Record<string, string[]> = {};
  req.getPropertydependenciesMap().forEach((deps: any, key: string) => {
    propertyDependencies[key] = deps.getUrnsList();
  });
  return {
    urn: makeUrn(host.stack, host.project, parent, type, name),
    type,
    name,
    parent,
    custom: req.getCustom() as boolean,
    inputs: (req.getObject()?.toJavaScript() ?? {}) as JsonObject,
    dependencies: req.getDependenciesList() as string[],
    propertyDependencies,
    additionalSecretOutputs: req.getAdditionalsecretoutputsList() as string[],
    ignoreChanges: req.getIgnorechangesList() as string[],
    importId: (req.getImportid() as string) || undefined,
    deleteBeforeReplace: req.getDeletebeforereplace() as boolean,
    retainOnDelete: req.getRetainondelete() as boolean,
    // structured aliases, as the SDK sends them when the monitor supports them
    aliases: aliasUrns(
      (req.getAliasesList() as any[]).map((a) => {
        if (a.getUrn()) return { urn: a.getUrn() as string };
        const spec = a.getSpec();
        return {
          name: spec.getName(),
          type: spec.getType(),
          parentUrn: spec.getParenturn(),
          noParent: spec.getNoparent(),
          stack: spec.getStack(),
          project: spec.getProject(),
        };
      }),
      own,
    ),
  };
}

function decodeRead(req: any, host: ProgramHost): ReadRequest {
  const type: string = req.getType();
  const name: string = req.getName();
  const parent: string = req.getParent();
  return {
    urn: makeUrn(host.stack, host.project, parent, type, name),
    type,
    name,
    parent,
    id: req.getId(),
    inputs: (req.getProperties()?.toJavaScript() ?? {}) as JsonObject,
    dependencies: req.getDependenciesList(),
    additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
  };
}

const RESULT = { success: resproto.Result.SUCCESS, fail: resproto.Result.FAIL, skip: resproto.Result.SKIP } as const;

function encodeRegistration(a: RegisterAnswer): unknown {
  const resp = new resproto.RegisterResourceResponse();
  resp.setUrn(a.urn);
  resp.setId(a.id);
  resp.setObject(Struct.fromJavaScript(a.outputs));
  resp.setResult(RESULT[a.result]);
  return resp;
}

function encodeRead(urn: string, outputs: JsonObject): unknown {
  const resp = new resproto.ReadResourceResponse();
  resp.setUrn(urn);
  resp.setProperties(Struct.fromJavaScript(outputs));
  return resp;
}

// ---- the run ----------------------------------------------------------------------------------

/** Runs `program` to its end: its outputs returned and every registration and read answered. */
export async function runProgram(program: Program, host: ProgramHost): Promise<void> {
  const restoreConfig = exposeProgramConfig(host.config);
  try {
    await runWithMonitor(program, host);
  } finally {
    restoreConfig();
  }
}

async function runWithMonitor(program: Program, host: ProgramHost): Promise<void> {
  await pulumi.runtime.setMocks(
    {
      newResource: () => {
        throw new Error("harness: unexpected MockMonitor.newResource call");
      },
      call: (args: pulumi.runtime.MockCallArgs) => {
        throw new Error(`harness: invokes are not supported (${args.token})`);
      },
    },
    host.project,
    host.stack,
    host.preview,
  );
  const inflight = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  };
  type Callback = (err: unknown, resp?: unknown) => void;
  const monitor = settings.getMonitor();
  monitor.registerResource = (req: any, cb: Callback) => {
    // an async function runs synchronously to its first await: the registration starts now, as the monitor call arrives
    const answer = (async () => host.register(decodeRegistration(req, host)))();
    track(
      answer.then(
        (a) => cb(null, encodeRegistration(a)),
        (err) => cb(err, undefined),
      ),
    );
  };
  monitor.registerResourceOutputs = (req: any, cb: Callback) => {
    try {
      host.registerOutputs(req.getUrn(), (req.getOutputs()?.toJavaScript() ?? {}) as JsonObject);
      cb(null, {});
    } catch (e) {
      cb(e);
    }
  };
  monitor.readResource = (req: any, cb: Callback) => {
    const answer = (async () => {
      const read = decodeRead(req, host);
      return encodeRead(read.urn, await host.read(read));
    })();
    track(
      answer.then(
        (resp) => cb(null, resp),
        (err) => cb(err, undefined),
      ),
    );
  };

  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  /** Errors the program itself threw (reported once, as the stack's error). */
  const programErrors = new Set<unknown>();
  process.on("unhandledRejection", onUnhandled);
  // The program's `pulumi.log.warn`: without an engine connection the SDK writes it to console.warn.
  const consoleWarn = console.warn;
  console.warn = (...args: unknown[]) => {
    const m = /^warning: \[runtime\] ([\s\S]*)$/.exec(args.map(String).join(" "));
    if (m) host.warn(m[1]);
    else consoleWarn(...args);
  };
  try {
    const stackDone = pulumi.runtime
      .runInPulumiStack(async () => program())
      .then(
        () => undefined,
        (e) => {
          programErrors.add(e);
          const m = errMessage(e);
          // a failed registration or read is already reported on its resource
          if (!m.includes(REGISTRATION_FAILED) && !m.includes(READ_FAILED)) host.error(`${host.project}-${host.stack}`, m);
        },
      );
    await withTimeout(stackDone, host.timeoutMs, "the program to return its outputs");
    // All registrations settled: the runtime's RPC keep-alive chain has drained and no
    // registration of ours is still in flight (a late registration restarts the wait).
    for (;;) {
      try {
        await withTimeout(settings.waitForRPCs(), host.timeoutMs, "outstanding resource registrations");
      } catch (e) {
        // The program threw (e.g. a constructor's validation): the runtime's RPC chain carries the
        // same error. The CLI fails the update with it; it is already in the summary's errors.
        if (!programErrors.has(e)) throw e;
      }
      if (inflight.size === 0) break;
      await withTimeout(Promise.allSettled([...inflight]), host.timeoutMs, "resource operations");
    }
    // Let rejections of dependents of failed resources surface before the listener goes away.
    await new Promise((r) => setTimeout(r, 0));
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off("unhandledRejection", onUnhandled);
    console.warn = consoleWarn;
  }
  for (const u of unhandled) {
    const m = errMessage(u);
    if (!m.includes(REGISTRATION_FAILED) && !m.includes(READ_FAILED)) host.error("<unhandled>", m);
  }
}
