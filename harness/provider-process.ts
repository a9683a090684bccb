/**
 * One dynamic-provider server process (`@pulumi/pulumi/cmd/dynamic-provider`) and a gRPC client
 * for it, the way the Pulumi CLI starts the `pulumi-resource-pulumi-nodejs` plugin.
 */
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { JsonObject, SIG_KEY, SECRET_SIG } from "./values";

const grpc = require("@grpc/grpc-js");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
const { Any } = require("google-protobuf/google/protobuf/any_pb");
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
const provproto = require("@pulumi/pulumi/proto/provider_pb");
const statusproto = require("@pulumi/pulumi/proto/status_pb");

export const DIFF_UNKNOWN = 0;
export const DIFF_NONE = 1;
export const DIFF_SOME = 2;

export interface InitFailure {
  id: string;
  properties: JsonObject;
  reasons: string[];
}

/** An error from a provider call; `initFailure` is set when the server sent ErrorResourceInitFailed. */
export class ProviderCallError extends Error {
  constructor(
    message: string,
    readonly method: string,
    readonly code?: number,
    readonly initFailure?: InitFailure,
  ) {
    super(message);
  }
}

export interface ProviderProcessOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  callTimeoutMs: number;
  startTimeoutMs: number;
}

function struct(obj: JsonObject): unknown {
  return Struct.fromJavaScript(obj);
}

function decodeInitFailure(err: any): InitFailure | undefined {
  const md = err?.metadata;
  if (!md || typeof md.get !== "function") return undefined;
  for (const raw of md.get("grpc-status-details-bin") as Buffer[]) {
    const status = statusproto.Status.deserializeBinary(new Uint8Array(raw));
    for (const any of status.getDetailsList() as (typeof Any)[]) {
      if ((any as any).getTypeName() !== "pulumirpc.ErrorResourceInitFailed") continue;
      const d = provproto.ErrorResourceInitFailed.deserializeBinary((any as any).getValue_asU8());
      return {
        id: d.getId(),
        properties: (d.getProperties()?.toJavaScript() ?? {}) as JsonObject,
        reasons: d.getReasonsList(),
      };
    }
  }
  return undefined;
}

// Provider processes still running; killed if this process exits without stopping them.
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of live) c.kill("SIGKILL");
});

/**
 * Starting ahead (tests only; off unless `startProviderProcessesAhead(true)`): an operation's
 * provider process is started while the previous operation with the same options runs, so the
 * ~0.5 s a process takes to start (loading @pulumi/pulumi) is not waited for between operations.
 * Every operation still gets a process of its own that nothing else used, started with the same
 * command, working directory and environment as it would be on demand; only the moment differs.
 * The bench and `npm start` leave it off (they measure, or are, what a user runs).
 */
let startAhead = false;
/** The process started ahead for the next operation, by its options (at most MAX_SPARES kinds). */
const spares = new Map<string, ProviderProcess>();
const MAX_SPARES = 2;

/** Turns starting ahead on or off (off also stops the processes started ahead). */
export async function startProviderProcessesAhead(on: boolean): Promise<void> {
  startAhead = on;
  if (!on) await stopSpareProviderProcesses();
}

/** Stops the processes started ahead and not used (a test file's end). */
export async function stopSpareProviderProcesses(): Promise<void> {
  const unused = [...spares.values()];
  spares.clear();
  await Promise.all(unused.map((p) => p.stop()));
}

/**
 * Where the provider processes keep V8's compiled code of node_modules (tests only; see
 * harness/compile-cache.js). Unset, as for the bench and `npm start`, every process compiles
 * everything, as under the CLI.
 */
let compileCacheDir: string | undefined;

/** Provider processes started from now on reuse compiled code kept in `dir` (undefined: off). */
export function cacheCompiledModules(dir: string | undefined): void {
  compileCacheDir = dir;
}

const sameOptionsKey = (o: ProviderProcessOptions) =>
  JSON.stringify([o.cwd, o.callTimeoutMs, o.startTimeoutMs, Object.entries(o.env).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);

export class ProviderProcess {
  readonly calls: Record<string, number> = {};
  private stderrChunks: string[] = [];
  private child?: ChildProcess;
  private client: any;
  private exited = false;
  private exitPromise?: Promise<void>;
  private starting?: Promise<void>;

  constructor(private readonly opts: ProviderProcessOptions) {}

  /**
   * The process for one operation: the one started ahead for these options if there is one
   * (see `startProviderProcessesAhead`), else a new one; with starting ahead on, the next
   * operation's is started now. Call `start()` on it either way.
   */
  static forOperation(opts: ProviderProcessOptions): ProviderProcess {
    if (!startAhead) return new ProviderProcess(opts);
    const key = sameOptionsKey(opts);
    const spare = spares.get(key);
    spares.delete(key);
    const next = new ProviderProcess(opts);
    next.start().catch(() => undefined); // a failed start is reported to the operation that takes it
    spares.set(key, next);
    while (spares.size > MAX_SPARES) {
      const [oldestKey, oldest] = spares.entries().next().value as [string, ProviderProcess];
      spares.delete(oldestKey);
      void oldest.stop();
    }
    if (spare && !spare.exited) return spare;
    if (spare) void spare.stop();
    return new ProviderProcess(opts);
  }

  get stderr(): string {
    return this.stderrChunks.join("");
  }

  /** Starts the process and connects to it (once: a second call waits for the same start). */
  start(): Promise<void> {
    return (this.starting ??= this.spawn());
  }

  private async spawn(): Promise<void> {
    const script = require.resolve("@pulumi/pulumi/cmd/dynamic-provider/index.js", { paths: [this.opts.cwd] });
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.opts.env)) if (v !== undefined) env[k] = v;
    if (compileCacheDir) env.VEZA_COMPILE_CACHE_DIR = compileCacheDir;
    const harness = path.join(defaultRepoRoot(), "harness");
    const preloads = [...(compileCacheDir ? ["compile-cache.js"] : []), "parent-watch.js", "lazy-closure-deps.js"];
    const preload = preloads.flatMap((f) => ["-r", path.join(harness, f)]);
    const child = spawn(process.execPath, [...preload, script, "127.0.0.1:1"], {
      cwd: this.opts.cwd,
      env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child = child;
    live.add(child);
    child.stdin!.on("error", () => undefined);
    this.exitPromise = new Promise((resolve) => {
      child.once("exit", () => {
        this.exited = true;
        live.delete(child);
        resolve();
      });
      child.once("error", () => {
        this.exited = true;
        live.delete(child);
        resolve();
      });
    });
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (d: string) => this.stderrChunks.push(d));
    let stdout = "";
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`dynamic-provider did not print its port within ${this.opts.startTimeoutMs}ms; stderr:\n${this.stderr}`)),
        this.opts.startTimeoutMs,
      );
      child.stdout!.setEncoding("utf8");
      child.stdout!.on("data", (d: string) => {
        stdout += d;
        const m = /^(\d+)\s*\n/.exec(stdout);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      void this.exitPromise!.then(() => {
        clearTimeout(timer);
        reject(new Error(`dynamic-provider exited before printing its port; stderr:\n${this.stderr}`));
      });
    });
    this.client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  }

  /** Kill the process (SIGKILL if it does not go away) and close the channel. Never throws. */
  async stop(): Promise<void> {
    try {
      this.client?.close();
    } catch {
      /* ignore */
    }
    const child = this.child;
    if (!child || this.exited) return;
    child.stdin?.end();
    child.kill("SIGTERM");
    const t = setTimeout(() => child.kill("SIGKILL"), 2000);
    await this.exitPromise;
    clearTimeout(t);
  }

  private call<T>(method: string, req: unknown): Promise<T> {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
    const fn = method.charAt(0).toLowerCase() + method.slice(1);
    return new Promise<T>((resolve, reject) => {
      const deadline = new Date(Date.now() + this.opts.callTimeoutMs);
      this.client[fn](req, new grpc.Metadata(), { deadline }, (err: any, resp: T) => {
        if (err) {
          const msg = String(err.details ?? err.message ?? err);
          reject(new ProviderCallError(msg, method, err.code, decodeInitFailure(err)));
        } else resolve(resp);
      });
    });
  }

  async configure(config: Record<string, string>, secretKeys: string[]): Promise<void> {
    const args: JsonObject = {};
    for (const [k, v] of Object.entries(config)) {
      args[k] = secretKeys.includes(k) ? { [SIG_KEY]: SECRET_SIG, value: v } : v;
    }
    const req = new provproto.ConfigureRequest();
    req.setArgs(struct(args));
    req.setAcceptsecrets(true);
    req.setAcceptresources(true);
    req.setSendsOldInputs(true);
    req.setSendsOldInputsToDelete(true);
    await this.call("Configure", req);
  }

  async check(
    urn: string,
    name: string,
    type: string,
    olds: JsonObject,
    news: JsonObject,
  ): Promise<{ inputs: JsonObject; failures: { property: string; reason: string }[] }> {
    const req = addressed(new provproto.CheckRequest(), urn, name, type);
    req.setOlds(struct(olds));
    req.setNews(struct(news));
    const resp: any = await this.call("Check", req);
    return {
      inputs: (resp.getInputs()?.toJavaScript() ?? {}) as JsonObject,
      failures: resp.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  async diff(
    urn: string,
    name: string,
    type: string,
    id: string,
    olds: JsonObject,
    news: JsonObject,
    oldInputs: JsonObject,
  ): Promise<{ changes: number; replaces: string[]; deleteBeforeReplace: boolean }> {
    const req = addressed(new provproto.DiffRequest(), urn, name, type, id);
    req.setOlds(struct(olds));
    req.setNews(struct(news));
    req.setOldInputs(struct(oldInputs));
    const resp: any = await this.call("Diff", req);
    return {
      changes: resp.getChanges(),
      replaces: resp.getReplacesList(),
      deleteBeforeReplace: resp.getDeletebeforereplace(),
    };
  }

  async create(urn: string, name: string, type: string, props: JsonObject): Promise<{ id: string; properties: JsonObject }> {
    const req = addressed(new provproto.CreateRequest(), urn, name, type);
    req.setProperties(struct(props));
    const resp: any = await this.call("Create", req);
    return { id: resp.getId(), properties: (resp.getProperties()?.toJavaScript() ?? {}) as JsonObject };
  }

  async update(
    urn: string,
    name: string,
    type: string,
    id: string,
    olds: JsonObject,
    news: JsonObject,
    oldInputs: JsonObject,
  ): Promise<{ properties: JsonObject }> {
    const req = addressed(new provproto.UpdateRequest(), urn, name, type, id);
    req.setOlds(struct(olds));
    req.setNews(struct(news));
    req.setOldInputs(struct(oldInputs));
    const resp: any = await this.call("Update", req);
    return { properties: (resp.getProperties()?.toJavaScript() ?? {}) as JsonObject };
  }

  async read(
    urn: string,
    name: string,
    type: string,
    id: string,
    properties: JsonObject,
    inputs: JsonObject,
  ): Promise<{ id: string; properties: JsonObject; inputs?: JsonObject }> {
    const req = addressed(new provproto.ReadRequest(), urn, name, type, id);
    req.setProperties(struct(properties));
    req.setInputs(struct(inputs));
    const resp: any = await this.call("Read", req);
    const ins = resp.getInputs();
    return {
      id: resp.getId(),
      properties: (resp.getProperties()?.toJavaScript() ?? {}) as JsonObject,
      inputs: ins ? (ins.toJavaScript() as JsonObject) : undefined,
    };
  }

  async delete(urn: string, name: string, type: string, id: string, properties: JsonObject, oldInputs: JsonObject): Promise<void> {
    const req = addressed(new provproto.DeleteRequest(), urn, name, type, id);
    req.setProperties(struct(properties));
    req.setOldInputs(struct(oldInputs));
    await this.call("Delete", req);
  }
}

/** Sets the fields every resource request carries (urn, name, type, and the id where the request has one). */
function addressed<R extends { setUrn(v: string): unknown; setName(v: string): unknown; setType(v: string): unknown; setId?(v: string): unknown }>(
  req: R,
  urn: string,
  name: string,
  type: string,
  id?: string,
): R {
  req.setUrn(urn);
  req.setName(name);
  req.setType(type);
  if (id !== undefined) req.setId!(id);
  return req;
}

/** The repo root, whether this runs from source (harness/) or from the build (dist/harness/). */
export function defaultRepoRoot(): string {
  const up = path.resolve(__dirname, "..");
  return path.basename(up) === "dist" ? path.dirname(up) : up;
}
