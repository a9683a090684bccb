/**
 * One dynamic-provider server process (`@pulumi/pulumi/cmd/dynamic-provider`) and a gRPC client
 * for it, the way the Pulumi CLI starts the `pulumi-resource-pulumi-nodejs` plugin; or, with
 * `EngineOptions.plugin`, a provider plugin's server from its `serve`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ProviderConnection, providerCallError } from "./provider-connection";
import type { PluginServer } from "./types";

const grpc = require("@grpc/grpc-js");
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");

export interface ProviderProcessOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  callTimeoutMs: number;
  startTimeoutMs: number;
  /** A provider plugin's server instead of the dynamic-provider process (`cwd` and `env` then go unused). */
  plugin?: PluginServer;
}

// Provider processes still running; killed if this process exits without stopping them.
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of live) c.kill("SIGKILL");
});

/**
 * Starting ahead (tests only; off unless `startProviderProcessesAhead(true)`): an operation's
 * provider process is started while the previous operation with the same options runs, so the
 * ~0.3 s a process takes to start (loading @pulumi/pulumi) is not waited for between operations.
 * Every operation still gets a process of its own that nothing else used, started with the same
 * command, working directory and environment as it would be on demand; only the moment differs.
 * The bench and `npm start` leave it off (they measure, or are, what a user runs).
 */
let startAhead = false;
const MAX_SPARES = 3;

/**
 * The processes started ahead and not yet used, by their options (at most MAX_SPARES kinds). Jest
 * evaluates this module anew for every test file a worker runs, so the pool is kept where every
 * file of the worker finds the same one: on Node's own `child_process` module, which jest hands to
 * every file as it is. The last process a file started ahead then serves the next file's first
 * operation with the same options, instead of being stopped unused; a pooled process is only OS
 * process state (`Launched`), and the file that takes it makes its own gRPC client. Those left at
 * the end go with the worker (parent-watch.js: their stdin closes).
 */
const POOL = Symbol.for("pulumi-veza.harness.spare-provider-processes");
const spares: Map<string, Launched> = ((require("node:child_process") as Record<symbol, Map<string, Launched> | undefined>)[POOL] ??=
  new Map());

/** Turns starting ahead on or off (off also stops the processes started ahead). */
export async function startProviderProcessesAhead(on: boolean): Promise<void> {
  startAhead = on;
  if (!on) await stopSpareProviderProcesses();
}

/** Stops the processes started ahead and not used. */
export async function stopSpareProviderProcesses(): Promise<void> {
  const unused = [...spares.values()];
  spares.clear();
  await Promise.all(unused.map((l) => stopLaunched(l)));
}

/** A started dynamic-provider process: what the OS and its output say, nothing tied to a test file. */
interface Launched {
  child: ChildProcess;
  /** The port it printed (rejects when it exits first or takes longer than the start timeout). */
  port: Promise<number>;
  /** Resolves when it has exited. */
  exited: Promise<void>;
  hasExited: boolean;
  stderr: string[];
}

/**
 * Opt-in count of the providers a test run starts (to measure it): with VEZA_TEST_COUNT_PROVIDERS
 * set to a file, each start appends a line naming where the provider runs ("process": a spawned
 * dynamic-provider process, started ahead or not; "in-process": tests/support/in-process.ts).
 */
export function countProviderStart(where: "process" | "in-process"): void {
  const file = process.env.VEZA_TEST_COUNT_PROVIDERS;
  if (file) fs.appendFileSync(file, `${where}\n`);
}

/** Starts the dynamic-provider server the way the CLI starts the plugin. */
function launch(opts: ProviderProcessOptions): Launched {
  const script = require.resolve("@pulumi/pulumi/cmd/dynamic-provider/index.js", { paths: [opts.cwd] });
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.env)) if (v !== undefined) env[k] = v;
  if (compileCacheDir) env.VEZA_COMPILE_CACHE_DIR = compileCacheDir;
  const harness = path.join(defaultRepoRoot(), "harness");
  const preloads = [...(compileCacheDir ? ["compile-cache.js"] : []), "parent-watch.js", "lazy-closure-deps.js"];
  const preload = preloads.flatMap((f) => ["-r", path.join(harness, f)]);
  countProviderStart("process");
  const child = spawn(process.execPath, [...preload, script, "127.0.0.1:1"], { cwd: opts.cwd, env, stdio: ["pipe", "pipe", "pipe"] });
  live.add(child);
  child.stdin!.on("error", () => undefined);
  const l: Launched = { child, port: undefined as never, exited: undefined as never, hasExited: false, stderr: [] };
  l.exited = new Promise((resolve) => {
    const gone = () => {
      l.hasExited = true;
      live.delete(child);
      resolve();
    };
    child.once("exit", gone);
    child.once("error", gone);
  });
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (d: string) => l.stderr.push(d));
  l.port = new Promise<number>((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(
      () => reject(new Error(`dynamic-provider did not print its port within ${opts.startTimeoutMs}ms; stderr:\n${l.stderr.join("")}`)),
      opts.startTimeoutMs,
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
    void l.exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`dynamic-provider exited before printing its port; stderr:\n${l.stderr.join("")}`));
    });
  });
  l.port.catch(() => undefined); // reported to the operation that takes it
  return l;
}

/**
 * Whether a launched process keeps this one alive: a spare waiting in the pool does not (a jest
 * worker whose last file left one exits when its work is done, and the spare with it).
 */
function holdOpen(l: Launched, held: boolean): void {
  for (const h of [l.child, l.child.stdin, l.child.stdout, l.child.stderr] as ({ ref(): void; unref(): void } | null)[]) {
    if (held) h?.ref();
    else h?.unref();
  }
}

/** Kills a launched process (SIGKILL if it does not go away). */
async function stopLaunched(l: Launched): Promise<void> {
  if (l.hasExited) return;
  l.child.stdin?.end();
  l.child.kill("SIGTERM");
  const t = setTimeout(() => l.child.kill("SIGKILL"), 2000);
  await l.exited;
  clearTimeout(t);
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

/** The folder `cacheCompiledModules` set (the in-process host keeps its node_modules code there too). */
export function compiledModulesCache(): string | undefined {
  return compileCacheDir;
}

const sameOptionsKey = (o: ProviderProcessOptions) =>
  JSON.stringify([
    o.cwd,
    o.callTimeoutMs,
    o.startTimeoutMs,
    Object.entries(o.env)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  ]);

/** The provider of one operation in its own process (or a plugin's server), reached over gRPC as the CLI reaches it. */
export class ProviderProcess extends ProviderConnection {
  private launched?: Launched;
  /** A plugin's server (`opts.plugin`) and what it printed. */
  private served?: { stop(): Promise<void> };
  private readonly servedStderr: string[] = [];
  private client: any;
  private starting?: Promise<void>;

  constructor(private readonly opts: ProviderProcessOptions) {
    super();
    this.pluginPackage = opts.plugin?.package;
  }

  /**
   * The process for one operation: the one started ahead for these options if there is one
   * (see `startProviderProcessesAhead`), else a new one; with starting ahead on, the next
   * operation's is started now. Call `start()` on it either way.
   */
  static forOperation(opts: ProviderProcessOptions): ProviderProcess {
    const p = new ProviderProcess(opts);
    if (!startAhead || opts.plugin) return p;
    const key = sameOptionsKey(opts);
    const spare = spares.get(key);
    spares.delete(key);
    const next = launch(opts);
    holdOpen(next, false);
    spares.set(key, next);
    while (spares.size > MAX_SPARES) {
      const [oldestKey, oldest] = spares.entries().next().value as [string, Launched];
      spares.delete(oldestKey);
      void stopLaunched(oldest);
    }
    if (spare && !spare.hasExited) {
      holdOpen(spare, true);
      p.launched = spare;
    } else if (spare) void stopLaunched(spare);
    return p;
  }

  get stderr(): string {
    return (this.launched?.stderr ?? this.servedStderr).join("");
  }

  /** Starts the process (unless it was started ahead) and connects to it (once: a second call waits for the same start). */
  start(): Promise<void> {
    return (this.starting ??= this.connect());
  }

  private async connect(): Promise<void> {
    let address: string;
    if (this.opts.plugin) {
      const served = await this.opts.plugin.serve((text) => this.servedStderr.push(text));
      this.served = served;
      address = served.address;
    } else {
      this.launched ??= launch(this.opts);
      address = `127.0.0.1:${await this.launched.port}`;
    }
    this.client = new provrpc.ResourceProviderClient(address, grpc.credentials.createInsecure());
  }

  /** Kill the process (SIGKILL if it does not go away) and close the channel. Never throws. */
  async stop(): Promise<void> {
    try {
      this.client?.close();
    } catch {
      /* ignore */
    }
    if (this.launched) await stopLaunched(this.launched);
    await this.served?.stop().catch(() => undefined);
  }

  protected send<T>(method: string, req: unknown): Promise<T> {
    const fn = method.charAt(0).toLowerCase() + method.slice(1);
    return new Promise<T>((resolve, reject) => {
      const deadline = new Date(Date.now() + this.opts.callTimeoutMs);
      this.client[fn](req, new grpc.Metadata(), { deadline }, (err: any, resp: T) => {
        if (err) reject(providerCallError(method, err));
        else resolve(resp);
      });
    });
  }
}

/** The repo root, whether this runs from source (harness/) or from the build (dist/harness/). */
export function defaultRepoRoot(): string {
  const up = path.resolve(__dirname, "..");
  return path.basename(up) === "dist" ? path.dirname(up) : up;
}
