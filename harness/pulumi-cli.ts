/**
 * A stack run by the real Pulumi CLI, sealed off from the machine: its own PULUMI_HOME, a file
 * backend, a passphrase secrets provider, no update check, no plugin download, and a proxy that
 * refuses everything but loopback (so the CLI reaches nothing but the emulator). The project is a
 * temp folder whose node_modules is the repo's, so `require("pulumi-veza")` resolves as it does in a
 * user's stack (the repo's `file:.` dependency, i.e. dist/).
 *
 * Commands run asynchronously: the emulator usually lives in the calling process and must keep
 * answering while the CLI runs.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { PulumiCli } from "../scripts/pulumi-cli";
import { defaultRepoRoot } from "./provider-process";

/** The repository's root (from harness/ under jest, or dist/harness/ for the bench). */
const REPO = defaultRepoRoot();
const PASSPHRASE = "veza-cli-tests-only";

export interface CliStackOptions {
  cli: PulumiCli;
  /** The program's index.js source (CommonJS); or a folder holding Pulumi.yaml, used as it is. */
  program: string | { dir: string };
  /** Stack config, namespaced keys (`veza:url`). */
  config?: Record<string, string>;
  /** Which config keys are set with `--secret`. */
  secretKeys?: string[];
  /** Extra environment (undefined removes a variable). */
  env?: Record<string, string | undefined>;
  stack?: string;
  project?: string;
  /** NODE_OPTIONS for every node process the CLI starts, program and provider (tests preload their start-up helpers). */
  nodeOptions?: string;
  /**
   * The stack's secrets provider: the URL `stack init --secrets-provider` takes and the environment
   * the CLI reads it with. Without one, a passphrase (PULUMI_CONFIG_PASSPHRASE), as a user's
   * file-backend stack has; tests give a faster one (tests/support/vault-transit.ts says why).
   */
  secretsProvider?: () => Promise<StackSecretsProvider>;
}

/** A stack's secrets provider: the URL for `stack init --secrets-provider` and the environment the CLI reads it with. */
export interface StackSecretsProvider {
  url: string;
  env: Record<string, string>;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The engine events of `--event-log`, when the command wrote them. */
  events: EngineEvent[];
}

/** One line of `--event-log` (pkg/apitype's EngineEvent), the fields the tests read. */
export interface EngineEvent {
  sequence?: number;
  resourcePreEvent?: { metadata: StepEventMetadata };
  resOutputsEvent?: { metadata: StepEventMetadata };
  resOpFailedEvent?: { metadata: StepEventMetadata };
  diagnosticEvent?: { urn?: string; message: string; severity: string };
  summaryEvent?: { resourceChanges?: Record<string, number> };
  [other: string]: unknown;
}

export interface StepEventMetadata {
  op: string;
  urn: string;
  type: string;
  old?: { inputs?: Record<string, unknown>; outputs?: Record<string, unknown>; id?: string } | null;
  new?: { inputs?: Record<string, unknown>; outputs?: Record<string, unknown>; id?: string } | null;
  keys?: string[];
  diffs?: string[];
  detailedDiff?: Record<string, unknown> | null;
}

export class CliStack {
  /** The stack's own folder: PULUMI_HOME, the file backend, event logs (removed by `close`). */
  readonly home: string;
  readonly stack: string;
  private readonly env: NodeJS.ProcessEnv;

  private constructor(
    readonly options: CliStackOptions,
    readonly programDir: string,
    secrets: StackSecretsProvider | undefined,
  ) {
    this.home = fs.mkdtempSync(path.join(os.tmpdir(), "veza-cli-"));
    this.stack = options.stack ?? "test";
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${options.cli.binDir}${path.delimiter}${process.env.PATH ?? ""}`,
      PULUMI_HOME: path.join(this.home, "pulumi-home"),
      PULUMI_BACKEND_URL: `file://${path.join(this.home, "backend")}`,
      PULUMI_CONFIG_PASSPHRASE: secrets ? undefined : PASSPHRASE,
      ...secrets?.env,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      // `--event-log` (the engine's events, as the Automation API reads them) is a debug command
      PULUMI_DEBUG_COMMANDS: "true",
      // Nothing but loopback: the CLI's own calls (update checks, plugin downloads) fail at once.
      HTTP_PROXY: "http://127.0.0.1:9",
      HTTPS_PROXY: "http://127.0.0.1:9",
      NO_PROXY: "127.0.0.1,localhost,::1",
      PULUMI_CONFIG: undefined,
      VEZA_URL: undefined,
      VEZA_API_TOKEN: undefined,
      VEZA_TOKEN: undefined,
      NO_COLOR: "1",
      FORCE_COLOR: "0",
      NODE_OPTIONS: [process.env.NODE_OPTIONS, options.nodeOptions].filter(Boolean).join(" ") || undefined,
    };
    for (const [k, v] of Object.entries(options.env ?? {})) env[k] = v;
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    // jest's worker variables must not reach the program (it would think it runs under jest)
    for (const k of Object.keys(env)) if (k.startsWith("JEST_")) delete env[k];
    this.env = env;
    fs.mkdirSync(path.join(this.home, "backend"), { recursive: true });
  }

  /** A new project and stack, config set. */
  static async create(options: CliStackOptions): Promise<CliStack> {
    let programDir: string;
    if (typeof options.program === "string") {
      programDir = fs.mkdtempSync(path.join(os.tmpdir(), "veza-cli-program-"));
      const project = options.project ?? "veza-cli-test";
      fs.writeFileSync(
        path.join(programDir, "Pulumi.yaml"),
        `name: ${project}\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n`,
      );
      fs.writeFileSync(path.join(programDir, "package.json"), JSON.stringify({ name: project, private: true, main: "index.js" }));
      fs.symlinkSync(path.join(REPO, "node_modules"), path.join(programDir, "node_modules"), "dir");
      fs.writeFileSync(path.join(programDir, "index.js"), options.program);
    } else {
      programDir = options.program.dir;
    }
    const secrets = await options.secretsProvider?.();
    const s = new CliStack(options, programDir, secrets);
    await s.must(["stack", "init", s.stack, ...(secrets ? ["--secrets-provider", secrets.url] : [])]);
    await s.setConfigs(options.config ?? {}, options.secretKeys);
    return s;
  }

  /** Replaces the program (an index.js made by `create`). */
  setProgram(source: string): void {
    if (typeof this.options.program !== "string") throw new Error("setProgram: this stack runs a program folder");
    fs.writeFileSync(path.join(this.programDir, "index.js"), source);
  }

  async setConfig(key: string, value: string, secret = false): Promise<void> {
    await this.must(["config", "set", ...(secret ? ["--secret"] : ["--plaintext"]), key, "--", value]);
  }

  /**
   * Sets several keys in one `pulumi config set-all` (one CLI start, one key derivation, instead of
   * one per key). Test values only: they are on the command line, where `ps` shows them.
   */
  async setConfigs(config: Record<string, string>, secretKeys: string[] = []): Promise<void> {
    const pairs = Object.entries(config).flatMap(([k, v]) => [secretKeys.includes(k) ? "--secret" : "--plaintext", `${k}=${v}`]);
    if (pairs.length > 0) await this.must(["config", "set-all", ...pairs]);
  }

  /** Runs `pulumi ARGS --stack S --non-interactive` in the program's folder (`timeoutMs`: SIGTERM after that long, code 124). */
  async run(
    args: string[],
    opts: { eventLog?: boolean; env?: Record<string, string | undefined>; timeoutMs?: number } = {},
  ): Promise<CliResult> {
    const eventLog = opts.eventLog ? path.join(this.home, `events-${Date.now()}-${Math.random().toString(36).slice(2)}.jsonl`) : undefined;
    // the stack and flags go before a `--` (after it every word is a value)
    const flags = [
      ...(args[0] === "stack" && args[1] === "init" ? [] : ["--stack", this.stack]),
      "--non-interactive",
      ...(eventLog ? ["--event-log", eventLog] : []),
    ];
    const end = args.indexOf("--");
    const full = end < 0 ? [...args, ...flags] : [...args.slice(0, end), ...flags, ...args.slice(end)];
    const { code, stdout, stderr } = await this.spawn(path.join(this.options.cli.binDir, "pulumi"), full, opts.env, opts.timeoutMs);
    let events: EngineEvent[] = [];
    if (eventLog && fs.existsSync(eventLog)) {
      events = fs
        .readFileSync(eventLog, "utf8")
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as EngineEvent);
      fs.rmSync(eventLog, { force: true });
    }
    return { code, stdout, stderr, events };
  }

  /** Runs a shell script (bash) in the program's folder with the stack's environment, as a CI step runs. */
  shell(script: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    return this.spawn("bash", ["-euo", "pipefail", "-c", script], env);
  }

  /** Runs a command in the program's folder with the stack's environment (undefined removes a variable), collecting its output. */
  private spawn(
    command: string,
    args: string[],
    overrides: Record<string, string | undefined> = {},
    timeoutMs?: number,
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = { ...this.env };
    for (const [k, v] of Object.entries(overrides)) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, { cwd: this.programDir, env, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      let timedOut = false;
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => ((timedOut = true), child.kill("SIGTERM")), timeoutMs);
      child.on("error", reject);
      child.on("close", (c, signal) => {
        clearTimeout(timer);
        resolve({
          code: timedOut ? 124 : (c ?? (signal ? 128 : 1)),
          stdout: out,
          stderr: timedOut ? `${err}\ntimed out after ${timeoutMs} ms\n` : err,
        });
      });
    });
  }

  /** `run`, failing with the CLI's output unless it exits 0. */
  async must(args: string[], opts: { eventLog?: boolean; env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r;
  }

  up(extra: string[] = [], opts: { env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
    return this.run(["up", "--yes", "--skip-preview", ...extra], { eventLog: true, ...opts });
  }

  /** `pulumi preview --json --show-sames`: the document, and the command's result. */
  async previewJson(extra: string[] = []): Promise<{ doc: PreviewJson; result: CliResult }> {
    const result = await this.run(["preview", "--json", "--show-sames", ...extra]);
    let doc: PreviewJson;
    try {
      doc = JSON.parse(result.stdout) as PreviewJson;
    } catch {
      throw new Error(`pulumi preview --json printed no JSON (exit ${result.code})\n${result.stdout}\n${result.stderr}`);
    }
    return { doc, result };
  }

  refresh(extra: string[] = [], opts: { env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
    return this.run(["refresh", "--yes", "--skip-preview", ...extra], { eventLog: true, ...opts });
  }

  destroy(extra: string[] = [], opts: { env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
    return this.run(["destroy", "--yes", "--skip-preview", ...extra], { eventLog: true, ...opts });
  }

  /** `pulumi stack export` (add `--show-secrets` to see them decrypted). */
  async exportState(showSecrets = false): Promise<StackExport> {
    const r = await this.must(["stack", "export", ...(showSecrets ? ["--show-secrets"] : [])]);
    return JSON.parse(r.stdout) as StackExport;
  }

  /** The stack's outputs (`pulumi stack output --json`). */
  async outputs(): Promise<Record<string, unknown>> {
    const r = await this.must(["stack", "output", "--json", "--show-secrets"]);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  }

  /** Every file this stack wrote, as one string (to search for a token). */
  everythingWritten(): string {
    const parts: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isSymbolicLink()) continue;
        if (e.isDirectory()) {
          if (e.name !== "plugins") walk(p);
        } else if (fs.statSync(p).size < 50 << 20) parts.push(fs.readFileSync(p, "utf8"));
      }
    };
    walk(this.home);
    if (this.programDir !== this.home && typeof this.options.program === "string") walk(this.programDir);
    return parts.join("\n");
  }

  close(): void {
    fs.rmSync(this.home, { recursive: true, force: true });
    if (typeof this.options.program === "string") fs.rmSync(this.programDir, { recursive: true, force: true });
  }
}

export interface PreviewJson {
  config?: Record<string, string>;
  steps: {
    op: string;
    urn: string;
    oldState?: CliResourceState;
    newState?: CliResourceState;
    diffReasons?: string[];
    detailedDiff?: unknown;
  }[];
  diagnostics?: { urn?: string; message: string; severity: string }[];
  changeSummary?: Record<string, number>;
  duration?: number;
}

export interface CliResourceState {
  urn: string;
  custom?: boolean;
  id?: string;
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
  [other: string]: unknown;
}

export interface StackExport {
  version: number;
  deployment: { resources?: CliResourceState[]; secrets_providers?: unknown; [k: string]: unknown };
}

/** The last step of each URN in an operation's events, as `{urn: op}` (the stack and providers left out). */
export function stepsOf(events: EngineEvent[]): Record<string, string> {
  const steps: Record<string, string> = {};
  for (const e of events) {
    const md = e.resOutputsEvent?.metadata ?? e.resOpFailedEvent?.metadata;
    if (!md || md.type === "pulumi:pulumi:Stack" || md.type.startsWith("pulumi:providers:")) continue;
    steps[md.urn] = e.resOpFailedEvent ? "failed" : md.op;
  }
  return steps;
}

/** The resource name of a URN (its last `::` part). */
export function nameOf(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}
