/**
 * The middle test layer: the test engine (harness/) with each operation's provider served in the
 * test process instead of by a dynamic-provider process of its own.
 *
 * What runs is what a provider process runs: `@pulumi/pulumi/cmd/dynamic-provider`'s own
 * `ResourceProviderService` (its configure, check, diff, create, read, update and delete, which
 * load the `__provider` shell and call the resource's `pulumi.dynamic.ResourceProvider` methods)
 * and the built package (`require("pulumi-veza")`, dist/provider), loaded by Node's own module
 * system, outside jest's sandbox, as the process would load them. A request reaches the server as
 * a message of its own classes, made from the request's protobuf data (`toArray()`: what its bytes
 * say, without encoding them), so values arrive as the server sees them: Structs, secrets unwrapped
 * (it accepts none), unknowns as the sentinel string, and every object and array the server reads
 * made by its own `toJavaScript()`, in its own realm, not jest's. An answer crosses as protobuf bytes,
 * so the test reads objects of its own realm. Each operation gets fresh module state where a new process would have
 * one: a fresh copy of the server module (its provider cache) and of dist/provider (its context,
 * list walks, connection pools), its environment (`EngineOptions.env` over the test's) set in the
 * process while it runs, and what it writes on stderr kept as the process's stderr.
 *
 * What it leaves out, and the layer that keeps it: the process itself (its start, its exit, a crash,
 * its own stdout; the harness's process tests and tests/faults), gRPC's transport (deadlines are a
 * timer here; a handler that rejects fails its call at once instead of at the deadline), and the
 * server's process-wide hooks (`source-map-support/register` and its `process.on` exit-code
 * handlers are not installed in the test process: they format stack traces and set an exit code).
 *
 * `inProcess` is an `EngineOptions.providerHost`: `new Engine({ ..., providerHost: inProcess })`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as vm from "node:vm";
import { ProviderConnection, providerCallError } from "../../harness/provider-connection";
import { compiledModulesCache, countProviderStart, type ProviderProcessOptions } from "../../harness/provider-process";

const provproto = require("@pulumi/pulumi/proto/provider_pb");
const { Empty } = require("google-protobuf/google/protobuf/empty_pb");

/** Node's own process and module system (jest's sandbox has copies of both: a copied env, its own registry). */
const nodeProcess: NodeJS.Process = vm.runInThisContext("process");
const NodeModule = nodeProcess.getBuiltinModule("node:module") as typeof import("node:module") & {
  _cache: Record<string, unknown>;
  _nodeModulePaths(dir: string): string[];
  new (id: string, parent: unknown): NodeJS.Module & { _compile(text: string, filename: string): void; paths: string[] };
};

const SERVER = require.resolve("@pulumi/pulumi/cmd/dynamic-provider/index.js");

/**
 * The server module's text, changed only where it would act on the whole test process: it does
 * not start a gRPC server (its last line) but exports its service class; its `process.on` exit-code
 * handlers go nowhere. Each change must match exactly, or loading fails (a new @pulumi/pulumi).
 */
let serverText: string | undefined;
function serverSource(): string {
  if (serverText) return serverText;
  let text = fs.readFileSync(SERVER, "utf8");
  const edits: [from: string, to: string, count: number][] = [
    ["main(process.argv.slice(2));", "exports.ResourceProviderService = ResourceProviderService;", 1],
    ["process.on(", "noProcessHooks.on(", 3],
  ];
  for (const [from, to, count] of edits) {
    const found = text.split(from).length - 1;
    if (found !== count)
      throw new Error(`tests/support/in-process.ts: expected ${count} × ${JSON.stringify(from)} in ${SERVER}, found ${found}`);
    text = text.split(from).join(to);
  }
  return (serverText = `const noProcessHooks = { on() {} };\n${text}`);
}

/** Compiles `text` as a new Node module at `filename`, its `require(id)` answered by `resolve` first. */
function compileModule(text: string, filename: string, searchDir: string, resolve: (id: string) => unknown): any {
  const m = new NodeModule(filename, null);
  m.filename = filename;
  m.paths = NodeModule._nodeModulePaths(searchDir);
  // the module's `require` (Node's makeRequireFunction) calls m.require
  const own = m.require.bind(m);
  m.require = (id: string) => resolve(id) ?? own(id);
  m._compile(text, filename);
  return m.exports;
}

/**
 * V8's compiled code of what this host loads with Node's own module system, kept for the next load
 * (harness/compile-cache.js's `keepCompiledCode`), once per jest worker (the state lives on Node's
 * Module, not in a test file's registry):
 * - the package's modules, in memory: each operation loads its ~60 modules again, for fresh module
 *   state, and compiling them again cost about 40 ms of CPU an operation. The copy is as fresh: its
 *   modules run again; only V8's parse and compile are skipped.
 * - the modules under node_modules (the server's @pulumi/pulumi, undici, zod: about 0.3 s of compile a
 *   worker), in the provider processes' on-disk cache (`cacheCompiledModules`; off, compiled as a
 *   process compiles them).
 */
const PACKAGE_DIRS = Symbol.for("pulumi-veza.tests.in-process.package-dirs");
function keepCompiledCodeOf(packageDir: string): void {
  const node = NodeModule as unknown as { [PACKAGE_DIRS]?: Set<string> };
  let packageDirs = node[PACKAGE_DIRS];
  if (!packageDirs) {
    const dirs = (packageDirs = node[PACKAGE_DIRS] = new Set());
    const { keepCompiledCode, diskStore, memoryStore } = NodeModule.createRequire(__filename)("../../harness/compile-cache.js");
    const cacheDir = compiledModulesCache();
    if (cacheDir) keepCompiledCode(NodeModule, diskStore(cacheDir));
    // installed second, so it answers first for the package's files (even a copy under node_modules)
    keepCompiledCode(NodeModule, { holds: (filename: string) => [...dirs].some((d) => filename.startsWith(d)), ...memoryStore() });
  }
  packageDirs.add(packageDir);
}

/** A fresh copy of the package a provider process in `cwd` would load (`require("pulumi-veza")`), and its pool closer. */
function loadPackage(cwd: string): { veza: unknown; closePools: () => Promise<void> } {
  const nodeRequire = NodeModule.createRequire(path.join(cwd, "noop.js"));
  const entry = nodeRequire.resolve("pulumi-veza");
  const dir = path.dirname(entry) + path.sep;
  keepCompiledCodeOf(dir);
  for (const key of Object.keys(NodeModule._cache)) if (key.startsWith(dir)) delete NodeModule._cache[key];
  const veza = nodeRequire(entry);
  const client = nodeRequire(path.join(dir, "client", "client.js")) as { closeAllPools(): Promise<void> };
  return { veza, closePools: () => client.closeAllPools() };
}

/** The response message of each call (the request is `<Method>Request`). */
const RESPONSES: Record<string, string> = {
  Configure: "ConfigureResponse",
  Check: "CheckResponse",
  Diff: "DiffResponse",
  Create: "CreateResponse",
  Update: "UpdateResponse",
  Read: "ReadResponse",
  Delete: "Empty",
};

/** gRPC's status for a deadline. */
const DEADLINE_EXCEEDED = 4;
/** gRPC's status for an error without a numeric code. */
const UNKNOWN_STATUS = 2;

export class InProcessProvider extends ProviderConnection {
  private service: any;
  private serverProto: any;
  private closePools?: () => Promise<void>;
  private readonly written: string[] = [];
  private restore: (() => void)[] = [];
  private starting?: Promise<void>;

  constructor(private readonly opts: ProviderProcessOptions) {
    super();
  }

  get stderr(): string {
    return this.written.join("");
  }

  start(): Promise<void> {
    return (this.starting ??= this.load());
  }

  private async load(): Promise<void> {
    countProviderStart("in-process");
    this.useEnvironment();
    this.keepStderr();
    const { veza, closePools } = loadPackage(this.opts.cwd);
    this.closePools = closePools;
    const cwd = this.opts.cwd;
    // require-from-string as the server uses it, except that the shell's require("pulumi-veza") is this operation's copy
    const requireFromString = (code: unknown) => {
      // require-from-string's own check (a state without `__provider`: the server's read of an import)
      if (typeof code !== "string") throw new Error(`code must be a string, not ${typeof code}`);
      return compileModule(code, "", cwd, (id) => (id === "pulumi-veza" ? veza : undefined));
    };
    const server = compileModule(serverSource(), SERVER, path.dirname(SERVER), (id) =>
      id === "require-from-string" ? requireFromString : id === "source-map-support/register" ? {} : undefined,
    );
    this.service = new server.ResourceProviderService();
    this.serverProto = NodeModule.createRequire(SERVER)("../../proto/provider_pb");
  }

  /** The process's environment is `opts.env` (already merged over the test's): set in Node's own while this runs. */
  private useEnvironment(): void {
    const env = nodeProcess.env;
    const saved = { ...env };
    for (const k of Object.keys(env)) if (this.opts.env[k] === undefined) delete env[k];
    for (const [k, v] of Object.entries(this.opts.env)) if (v !== undefined) env[k] = v;
    this.restore.push(() => {
      for (const k of Object.keys(env)) delete env[k];
      Object.assign(env, saved);
    });
  }

  /** What is written on stderr while this runs is the process's stderr (kept, not shown). */
  private keepStderr(): void {
    const stream = nodeProcess.stderr;
    const write = stream.write;
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      this.written.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      const done = rest.find((x) => typeof x === "function") as (() => void) | undefined;
      done?.();
      return true;
    }) as typeof stream.write;
    this.restore.push(() => {
      stream.write = write;
    });
  }

  async stop(): Promise<void> {
    try {
      await this.closePools?.();
    } catch {
      /* never throws */
    }
    for (const undo of this.restore.reverse()) undo();
    this.restore = [];
  }

  protected async send<T>(method: string, req: any): Promise<T> {
    await this.start();
    // the request's data, read by the server's classes (cheaper than encoding it: 10-14 % of an in-process file's CPU)
    const request = new this.serverProto[`${method}Request`](req.toArray());
    const answer = await new Promise<any>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(providerCallError(method, { code: DEADLINE_EXCEEDED, details: "Deadline exceeded" })),
        this.opts.callTimeoutMs,
      );
      const done = (err: any, resp: any) => {
        clearTimeout(timer);
        if (err)
          reject(
            providerCallError(method, {
              code: Number.isInteger(err.code) ? err.code : UNKNOWN_STATUS,
              details: err.details ?? err.message,
              metadata: err.metadata,
            }),
          );
        else resolve(resp);
      };
      const fn = method.charAt(0).toLowerCase() + method.slice(1);
      Promise.resolve(this.service[fn]({ request }, done)).catch((e: unknown) => done(e, undefined));
    });
    const responseType = RESPONSES[method];
    const decode = responseType === "Empty" ? Empty : provproto[responseType];
    return decode.deserializeBinary(answer.serializeBinary()) as T;
  }
}

/** An `EngineOptions.providerHost`: each operation's provider in this process. */
export const inProcess = (options: ProviderProcessOptions): InProcessProvider => new InProcessProvider(options);
