/**
 * `npm run bench:scale`: issue 31's large tenant through the real Pulumi CLI. One type, N profiles, N
 * versions, N/10 memberships (harness/workload.ts `tenantSpec`) against the emulator at a given
 * latency, every operation a user runs, in order:
 *
 *   bootstrap (`up`), no-op `up`, `preview`, `refresh`, the impact of an inheritance edit (`pulumi
 *   preview --json --show-sames` of the edited program, then `pulumi-veza impact` of that file),
 *   `pulumi-veza export`, `destroy`.
 *
 * For each: wall time, requests the server saw, CPU time (the CLI's process tree, from the bench's
 * reaped-children counters; the provider process's own, from bench/peak-rss.ts preloaded into every
 * node process) and the provider process's peak RSS; after the bootstrap, the state file's size.
 * The CLI runs with its default `--parallel` unless `--parallel N` (a user runs `pulumi up`).
 * `PULUMI_SKIP_CHECKPOINTS=true` is set unless `--checkpoints` (see docs/pacing.md: with a file
 * backend the engine writes the whole state after every step).
 *
 *   npm run bench:scale -- --profiles 1000 [--latency 25] [--parallel N] [--checkpoints]
 *     [--phase-timeout-min 30] [--only bootstrap,refresh,…] [--json FILE] [--cpu-prof-dir DIR]
 *     [--max-old-space-mib N] [--stack-trace-limit N] [--label TEXT]
 *   npm run bench:scale -- --report a.json,b.json[,…] [--out bench/RESULTS.md]
 *
 * --only: the phases to run, in that order after the bootstrap (default: the order above).
 * --max-old-space-mib: the program's and provider's heap limit (the program peaked above Node's
 * default at 10,000 profiles: bench/RESULTS.md). --cpu-prof-dir: a CPU profile of every node process
 * the CLI starts (bench/cpu-prof.ts).
 *
 * A run writes its figures as JSON (--json); --report renders runs side by side into the section between
 * `<!-- cli-scale:start -->` and `<!-- cli-scale:end -->` of the results file, each size's row beside the
 * smallest size at the same latency and checkpoint setting.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type Emulator } from "../emulator";
import { CliStack, type CliResult } from "../harness/pulumi-cli";
import { BENCH_TOKEN } from "../harness/rig";
import { duplicateNames, resourceCount, serverVsSpec, tenantSpec } from "../harness/workload";
import { ensurePulumiCli } from "../scripts/pulumi-cli";
import { runCommand, type Parsed } from "../provider/command-line";
import { BENCH_SCALE_COMMAND } from "./options";
import { PHASES, renderReport, writeSection, type CliScaleRun, type PhaseFigures, type PhaseName } from "./cli-scale-report";
import { PEAK_RSS_PRELOAD, peakRssEnv, readPeaks } from "./peak-rss";

const REPO = path.resolve(__dirname, "..", "..");
const CLI_JS = path.join(REPO, "dist", "provider", "cli.js");

/** CPU time of this process's reaped children (utime + stime of /proc/self/stat's cutime and cstime), ms. */
function childrenCpuMs(): number {
  const stat = fs.readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state); cutime and cstime are fields 16 and 17
  const ticks = Number(fields[13]) + Number(fields[14]);
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

const selfCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** A CLI command's problem, from its exit code and output ("" when it succeeded). */
function problemOf(r: { code: number; stdout: string; stderr: string }): string {
  if (r.code === 0) return "";
  const lines = `${r.stdout}\n${r.stderr}`.split("\n").filter((l) => /error|timed out/i.test(l));
  return `exit ${r.code}: ${(lines.slice(0, 3).join(" | ") || r.stderr.slice(-300)).slice(0, 400)}`;
}

/** Runs `node dist/provider/cli.js ARGS` (export or impact) with the peak-RSS preload; its own CPU time and peak. */
function runBin(
  args: string[],
  env: Record<string, string | undefined>,
  rssDir: string,
  stdoutFile?: string,
): Promise<{ code: number; stderr: string; cpuMs: number; peakMiB: number }> {
  fs.mkdirSync(rssDir, { recursive: true });
  const full: NodeJS.ProcessEnv = { ...process.env, ...peakRssEnv(rssDir), ...env };
  for (const k of Object.keys(full)) if (full[k] === undefined) delete full[k];
  return new Promise((resolve, reject) => {
    const out = stdoutFile ? fs.openSync(stdoutFile, "w") : "ignore";
    const child = spawn(process.execPath, [CLI_JS, ...args], { env: full, stdio: ["ignore", out, "pipe"] });
    let stderr = "";
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (d: string) => (stderr = (stderr + d).slice(-2000)));
    child.on("error", reject);
    child.on("close", (code) => {
      if (typeof out === "number") fs.closeSync(out);
      const peak = readPeaks(rssDir)[0];
      resolve({ code: code ?? 1, stderr, cpuMs: peak?.cpuMs ?? NaN, peakMiB: peak?.mib ?? NaN });
    });
  });
}

/** The state file of a CliStack's file backend (the one stack's JSON). */
function stateFileOf(home: string): string | undefined {
  const stacks = path.join(home, "backend", ".pulumi", "stacks");
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.json(\.gz)?$/.test(e.name)) found.push(p);
    }
  };
  if (fs.existsSync(stacks)) walk(stacks);
  return found[0];
}

export interface CliScaleOptions {
  profiles: number;
  latencyMs: number;
  /** undefined: the CLI's default (4 × the machine's CPUs since v3.100-ish; 8 on 2 cores). */
  parallel?: number;
  checkpoints: boolean;
  phaseTimeoutMs: number;
  only?: PhaseName[];
  /** Called after each phase with the figures so far (a long run cut short keeps what it measured). */
  onPhase?: (run: CliScaleRun) => void;
  /** `--max-old-space-size` for the program and provider processes (MiB; Node's default is about a quarter of RAM, at most 4 GiB). */
  maxOldSpaceMiB?: number;
  /**
   * Node's `--stack-trace-limit` for the program and provider processes (frames per stack trace; V8's
   * default is 10). The SDK captures one per output promise; a user sets it in Pulumi.yaml's `nodeargs`.
   */
  stackTraceLimit?: number;
  /** What sets this run apart in the report (`--label`). */
  label?: string;
  /** Write a CPU profile of every node process the CLI starts (program, provider) into this folder (bench/cpu-prof.ts). */
  cpuProfDir?: string;
  log: (line: string) => void;
}

export async function cliScaleRun(o: CliScaleOptions): Promise<CliScaleRun> {
  const found = ensurePulumiCli(o.log);
  if (!found.cli) throw new Error(`no Pulumi CLI: ${found.reason}`);
  const cli = found.cli;
  const spec = tenantSpec(o.profiles);
  const programOpts = { memberships: "with-members" as const };
  const workload = JSON.stringify(path.join(REPO, "dist", "harness", "workload.js"));
  const source = (edit: boolean) =>
    `const w = require(${workload});\nconst spec = w.tenantSpec(${o.profiles});\nObject.assign(exports, w.program(${edit ? "w.inheritanceEdit(spec)" : "spec"}, require("pulumi-veza"), { memberships: "with-members" })());\n`;
  const emu: Emulator = await startEmulator({ token: BENCH_TOKEN, seed: 1, knobs: { latencyMs: o.latencyMs } });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "veza-cli-scale-"));
  const rssDir = path.join(work, "rss");
  const stack = await CliStack.create({
    cli,
    program: source(false),
    config: { "veza:url": emu.url, "veza:apiToken": BENCH_TOKEN },
    secretKeys: ["veza:apiToken"],
    // CliStack puts the caller's NODE_OPTIONS first; the preload and the extra options go after
    env: {
      BENCH_PEAK_RSS_DIR: peakRssEnv(rssDir).BENCH_PEAK_RSS_DIR,
      PULUMI_SKIP_CHECKPOINTS: o.checkpoints ? undefined : "true",
      BENCH_CPU_PROF_DIR: o.cpuProfDir,
    },
    nodeOptions: [
      `--require ${PEAK_RSS_PRELOAD}`,
      o.cpuProfDir ? `--require ${path.join(__dirname, "cpu-prof.js")}` : "",
      o.maxOldSpaceMiB ? `--max-old-space-size=${o.maxOldSpaceMiB}` : "",
      o.stackTraceLimit !== undefined ? `--stack-trace-limit=${o.stackTraceLimit}` : "",
    ]
      .filter(Boolean)
      .join(" "),
  });
  const run: CliScaleRun = {
    profiles: o.profiles,
    resources: resourceCount(spec, programOpts),
    latencyMs: o.latencyMs,
    parallel: o.parallel === undefined ? `default (${os.cpus().length * 4})` : String(o.parallel),
    checkpoints: o.checkpoints,
    ...(o.maxOldSpaceMiB ? { maxOldSpaceMiB: o.maxOldSpaceMiB } : {}),
    ...(o.stackTraceLimit !== undefined ? { stackTraceLimit: o.stackTraceLimit } : {}),
    ...(o.label ? { label: o.label } : {}),
    cli: cli.version,
    startedAt: new Date().toISOString(),
    loadAtStart: os.loadavg(),
    loadAtEnd: [],
    cores: os.cpus().length,
    phases: {},
  };
  const parallel = o.parallel === undefined ? [] : ["--parallel", String(o.parallel)];
  /** Times one phase: wall, requests, CPU of the reaped children and of this process, the provider's peak. */
  const measure = async (
    name: PhaseName,
    body: () => Promise<{
      code: number;
      problem?: string;
      detail?: Record<string, number | string>;
      bin?: { cpuMs: number; peakMiB: number };
    }>,
  ) => {
    for (const f of fs.existsSync(rssDir) ? fs.readdirSync(rssDir) : []) fs.rmSync(path.join(rssDir, f), { force: true });
    emu.resetStats();
    const cpu0 = childrenCpuMs();
    const self0 = selfCpuMs();
    const t0 = performance.now();
    const r = await body();
    const wallMs = performance.now() - t0;
    const peaks = readPeaks(rssDir);
    const provider = peaks.find((p) => p.command.includes("dynamic-provider"));
    const programProc = peaks.find((p) => !p.command.includes("dynamic-provider") && !p.command.includes("provider/cli.js"));
    const f: PhaseFigures = {
      wallMs,
      requests: emu.stats().total,
      cpuMs: childrenCpuMs() - cpu0,
      providerCpuMs: r.bin?.cpuMs ?? provider?.cpuMs,
      providerPeakMiB: r.bin?.peakMiB ?? provider?.mib,
      programCpuMs: r.bin ? undefined : programProc?.cpuMs,
      programPeakMiB: r.bin ? undefined : programProc?.mib,
      serverCpuMs: selfCpuMs() - self0,
      exitCode: r.code,
      ...(r.problem ? { problem: r.problem } : {}),
      ...(r.detail ? { detail: r.detail } : {}),
    };
    run.phases[name] = f;
    o.onPhase?.(run);
    const cpu = (ms: number | undefined) => `${((ms ?? NaN) / 1000).toFixed(1)} s`;
    o.log(
      `${o.profiles} profiles, ${name}: ${cpu(wallMs)} wall, CPU ${cpu(f.cpuMs)} (provider ${cpu(f.providerCpuMs)}, program ${cpu(f.programCpuMs)}), ${f.requests} requests, provider ${f.providerPeakMiB?.toFixed(0) ?? "?"} MiB${r.problem ? `, PROBLEM ${r.problem}` : ""}`,
    );
    return f;
  };
  const cliPhase = (name: PhaseName, args: string[], check?: (r: CliResult) => string) =>
    measure(name, async () => {
      const r = await stack.run(args, { timeoutMs: o.phaseTimeoutMs });
      const problem = problemOf(r) || check?.(r) || "";
      return { code: r.code, problem };
    });
  /** The summary line's count of a kind ("21001 unchanged"), from the CLI's text output. */
  const counted = (r: CliResult, kind: string) => Number(new RegExp(`(\\d+) ${kind}`).exec(r.stdout)?.[1] ?? 0);
  let leaked = false;
  try {
    const bootstrap = await cliPhase("bootstrap", ["up", "--yes", "--skip-preview", "--suppress-progress", ...parallel], () => {
      const diffs = serverVsSpec(spec, emu.store);
      const dups = duplicateNames(emu.store);
      return diffs.length || dups.length ? `server differs from the spec: ${[...diffs, ...dups].slice(0, 3).join("; ")}` : "";
    });
    const file = stateFileOf(stack.home);
    if (file) {
      const bytes = fs.statSync(file).size;
      run.state = { bytes, perResourceBytes: bytes / (run.resources + 2) };
    }
    if (bootstrap.exitCode !== 0) return run;
    const steps: Record<Exclude<PhaseName, "bootstrap">, () => Promise<unknown>> = {
      noop: () =>
        cliPhase("noop", ["up", "--yes", "--skip-preview", "--suppress-progress", ...parallel], (r) =>
          counted(r, "unchanged") === run.resources + 1 ? "" : `not a no-op: ${r.stdout.slice(-300)}`,
        ),
      preview: () => cliPhase("preview", ["preview", "--suppress-progress", ...parallel]),
      refresh: () => cliPhase("refresh", ["refresh", "--yes", "--skip-preview", "--suppress-progress", ...parallel]),
      impact: () =>
        measure("impact", async () => {
          const previewFile = path.join(work, "preview.json");
          stack.setProgram(source(true));
          const t0 = performance.now();
          const p = await stack.run(["preview", "--json", "--show-sames", ...parallel], { timeoutMs: o.phaseTimeoutMs });
          const previewMs = performance.now() - t0;
          stack.setProgram(source(false));
          fs.writeFileSync(previewFile, p.stdout);
          if (p.code !== 0) return { code: p.code, problem: problemOf(p) };
          const t1 = performance.now();
          const outFile = path.join(work, "impact.json");
          const b = await runBin(["impact", previewFile, "--format", "json"], {}, path.join(work, "rss-impact"), outFile);
          const binMs = performance.now() - t1;
          let identities = -1;
          try {
            identities = (JSON.parse(fs.readFileSync(outFile, "utf8")) as { identities?: unknown[] }).identities?.length ?? -1;
          } catch {
            /* reported below as a problem */
          }
          // the edit adds profile 3's 2 entities to profile 9, which has a membership of 2 identities
          const problem =
            b.code !== 0 ? `impact exit ${b.code}: ${b.stderr.slice(-300)}` : identities < 1 ? `impact found no identity that changes` : "";
          return {
            code: b.code,
            problem,
            bin: b,
            detail: {
              previewMs: Math.round(previewMs),
              binMs: Math.round(binMs),
              previewBytes: fs.statSync(previewFile).size,
              identities,
              binCpuMs: b.cpuMs,
              binPeakMiB: Math.round(b.peakMiB),
            },
          };
        }),
      export: () =>
        measure("export", async () => {
          const out = path.join(work, "exported.ts");
          const b = await runBin(
            ["export", "--out", out],
            { VEZA_URL: emu.url, VEZA_API_TOKEN: BENCH_TOKEN, VEZA_TOKEN: undefined, PULUMI_CONFIG: undefined },
            path.join(work, "rss-export"),
          );
          return {
            code: b.code,
            problem: b.code !== 0 ? `export exit ${b.code}: ${b.stderr.slice(-300)}` : "",
            bin: b,
            detail: { programBytes: fs.existsSync(out) ? fs.statSync(out).size : 0 },
          };
        }),
      destroy: () =>
        cliPhase("destroy", ["destroy", "--yes", "--skip-preview", "--suppress-progress", ...parallel], () => {
          const left = emu.store.listProfiles().length + emu.store.listTypes().length;
          return left ? `${left} objects left on the server` : "";
        }),
    };
    // in the order asked (the cheap ones first, when a long run may be cut short); destroy last by default
    for (const p of o.only ?? PHASES) if (p !== "bootstrap") await steps[p]();
  } finally {
    run.loadAtEnd = os.loadavg();
    leaked = stack.everythingWritten().includes(BENCH_TOKEN);
    stack.close();
    await emu.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
  // after the clean-up, so that an error of a phase is not replaced by this one
  if (leaked) throw new Error("the API token was written to the stack's files");
  return run;
}

async function main({ values }: Parsed<typeof BENCH_SCALE_COMMAND.options>): Promise<void> {
  if (values.report) {
    const runs = values.report.map((f) => JSON.parse(fs.readFileSync(f, "utf8")) as CliScaleRun);
    const md = renderReport(runs);
    writeSection(values.out ?? path.join(REPO, "bench", "RESULTS.md"), md);
    process.stdout.write(`${md}\n`);
    return;
  }
  const only = values.only as PhaseName[] | undefined;
  const run = await cliScaleRun({
    profiles: values.profiles,
    latencyMs: values.latency,
    parallel: values.parallel,
    checkpoints: values.checkpoints,
    phaseTimeoutMs: values["phase-timeout-min"] * 60_000,
    only,
    cpuProfDir: values["cpu-prof-dir"],
    maxOldSpaceMiB: values["max-old-space-mib"],
    stackTraceLimit: values["stack-trace-limit"],
    label: values.label,
    onPhase: (r) => values.json && fs.writeFileSync(values.json, `${JSON.stringify(r, null, 2)}\n`),
    log: (l) => process.stderr.write(`[bench:scale] ${l}\n`),
  });
  const json = JSON.stringify(run, null, 2);
  if (values.json) fs.writeFileSync(values.json, `${json}\n`);
  process.stdout.write(`${json}\n`);
}

if (require.main === module) runCommand(BENCH_SCALE_COMMAND, process.argv.slice(2), main);
