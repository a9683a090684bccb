/** One measured pass of the scale workloads (bootstrap, no-op up, preview, refresh, state size) for one provider. */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { KnobsPatch } from "../emulator";
import { peakRssEnv, readPeaks } from "./peak-rss";
import { BENCH_TOKEN, kitFor, makeRig, type Flavor } from "../harness/rig";
import type { EngineOptions } from "../harness";
import {
  bootstrapSpec,
  duplicateNames,
  program,
  resourceCount,
  serverVsSpec,
  stateVsServer,
  type ProgramOptions,
} from "../harness/workload";

export interface Phase {
  wallMs: number;
  requests: number;
  byRoute: Record<string, number>;
  peakInFlight: number;
  /** ms from the start of the operation to the first request the server saw (process start, program, first check). */
  firstRequestMs: number;
  /** Mean requests in flight at the server between its first request and its last answer. */
  meanInFlight: number;
  /** Server-side time per request, median and 90th percentile (latency knob plus the server's own queueing). */
  serverP50Ms: number;
  serverP90Ms: number;
  errors: number;
  firstError?: string;
  creates: number;
  updates: number;
  replaces: number;
  deletes: number;
  /** Peak resident memory of the provider process (MiB), when measured. */
  peakMiB?: number;
}

export interface ExportPhase {
  wallMs: number;
  requests: number;
  byRoute: Record<string, number>;
  /** Peak resident memory of the `pulumi-veza export` process (MiB). */
  peakMiB: number;
  exitCode: number | null;
  programBytes: number;
  stderrTail: string;
}

export interface ScaleExtras {
  program?: ProgramOptions;
  /** Measure the provider process's peak memory in each phase. */
  memory?: boolean;
  /** Run `pulumi-veza export` (the CLI, as a child process) against the tenant after the refresh. */
  exportPhase?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Skip the no-op up and the preview (their figures are then zero). */
  skipNoopAndPreview?: boolean;
  /** Engine options over the rig's (e.g. `parallel`). */
  engine?: EngineOptions;
}

export interface ScaleRun {
  flavor: Flavor;
  profiles: number;
  resources: number;
  bootstrap: Phase & { serverDiffs: number; duplicates: number; orphans: number; ghosts: number; faults: Record<string, number> };
  noop: Phase;
  preview: Phase;
  refresh: Phase;
  export?: ExportPhase;
  state: { totalBytes: number; resources: number; providerBytes: Record<string, number>; tokenInState: boolean };
}

const KIND_OF: Record<string, string> = { t: "AccessProfileType", p: "AccessProfile", v: "AccessProfileVersion", m: "ProfileMembership" };

/** When requests ran, from the server's log: how much of the wall time the request slots were busy. */
export function timeline(reqs: import("../emulator").LoggedRequest[], t0: number) {
  const answered = reqs.filter((r) => r.answeredAt !== undefined);
  if (answered.length === 0) return { firstRequestMs: 0, meanInFlight: 0, serverP50Ms: 0, serverP90Ms: 0 };
  const first = Math.min(...answered.map((r) => r.receivedAt));
  const last = Math.max(...answered.map((r) => r.answeredAt!));
  const durations = answered.map((r) => r.answeredAt! - r.receivedAt).sort((a, b) => a - b);
  const busy = durations.reduce((a, b) => a + b, 0);
  return {
    firstRequestMs: first - t0,
    meanInFlight: last > first ? busy / (last - first) : 0,
    serverP50Ms: durations[Math.floor(durations.length / 2)],
    serverP90Ms: durations[Math.floor(durations.length * 0.9)],
  };
}

export async function scaleRun(
  flavor: Flavor,
  profiles: number,
  latencyMs: number,
  seed: number,
  faults: KnobsPatch = {},
  checkpoints: "every-step" | "throttled" = "throttled",
  config: Record<string, string> = {},
  extras: ScaleExtras = {},
): Promise<ScaleRun> {
  const rig = await makeRig({ flavor, seed, knobs: { latencyMs, ...faults }, config });
  const spec = bootstrapSpec(profiles);
  const prog = program(spec, kitFor(flavor), extras.program);
  const rssDir = path.join(rig.dir, "rss");
  const peak = (): number | undefined => {
    if (!extras.memory) return undefined;
    const peaks = readPeaks(rssDir);
    for (const f of fs.readdirSync(rssDir)) fs.rmSync(path.join(rssDir, f), { force: true });
    return peaks[0]?.mib;
  };
  try {
    const engine = rig.engine({ ...extras.engine, ...(extras.memory ? { env: peakRssEnv(rssDir) } : {}) }, checkpoints);
    const phase = async (run: () => Promise<import("../harness").Summary>): Promise<Phase> => {
      rig.emu.resetStats();
      const t0 = performance.now();
      const s = await run();
      const wallMs = performance.now() - t0;
      const st = rig.emu.stats();
      return {
        wallMs,
        requests: st.total,
        byRoute: st.byRoute,
        peakInFlight: st.peakInFlight,
        ...timeline(rig.emu.requests(), t0),
        errors: s.errors.length,
        ...(s.errors.length ? { firstError: `${s.errors[0].name}: ${s.errors[0].message}`.slice(0, 300) } : {}),
        creates: s.creates,
        updates: s.updates,
        replaces: s.replaces,
        deletes: s.deletes,
        peakMiB: peak(),
      };
    };
    extras.log?.(`bootstrap of ${resourceCount(spec, extras.program)} resources`);
    const up = await phase(() => engine.up(prog));
    const faultsSeen = rig.emu.stats().faults;
    rig.emu.setKnobs({ rate429: 0, rate503: 0, ambiguousPostRate: 0, hangRate: 0 });
    const check = stateVsServer(engine.state(), rig.emu.store);
    const bootstrap = {
      ...up,
      serverDiffs: serverVsSpec(spec, rig.emu.store).length,
      duplicates: duplicateNames(rig.emu.store).length,
      orphans: check.orphans.length,
      ghosts: check.ghosts.length,
      faults: faultsSeen,
    };
    extras.log?.(`bootstrap: ${Math.round(up.wallMs)} ms, ${up.requests} requests, ${up.errors} errors; no-op up`);
    const skipped = async () => ({
      ...up,
      wallMs: 0,
      requests: 0,
      byRoute: {},
      errors: 0,
      creates: 0,
      updates: 0,
      replaces: 0,
      deletes: 0,
    });
    const noop = await (extras.skipNoopAndPreview ? skipped() : phase(() => engine.up(prog)));
    extras.log?.(`no-op up: ${Math.round(noop.wallMs)} ms; preview`);
    const preview = await (extras.skipNoopAndPreview ? skipped() : phase(() => engine.preview(prog)));
    extras.log?.(`preview: ${Math.round(preview.wallMs)} ms; refresh`);
    const refresh = await phase(() => engine.refresh());
    extras.log?.(`refresh: ${Math.round(refresh.wallMs)} ms, ${refresh.requests} requests`);
    let exported: ExportPhase | undefined;
    if (extras.exportPhase) {
      exported = await exportPhase(rig.emu, rig.dir);
      extras.log?.(`export: ${Math.round(exported.wallMs)} ms, ${exported.requests} requests, exit ${exported.exitCode}`);
    }

    const text = engine.stateText();
    const providerBytes: Record<string, number> = {};
    let dynamic = 0;
    for (const r of engine.state().resources) {
      const kind = KIND_OF[r.name.split("-")[0]];
      if (!kind || !r.id) continue;
      dynamic++;
      const p = r.inputs.__provider;
      providerBytes[kind] = Math.max(providerBytes[kind] ?? 0, typeof p === "string" ? Buffer.byteLength(p) : 0);
    }
    return {
      flavor,
      profiles,
      resources: resourceCount(spec, extras.program),
      bootstrap,
      noop,
      preview,
      refresh,
      export: exported,
      state: { totalBytes: Buffer.byteLength(text), resources: dynamic, providerBytes, tokenInState: text.includes(BENCH_TOKEN) },
    };
  } finally {
    await rig.close();
  }
}

/** `pulumi-veza export --out FILE` as a child process against the emulator: wall, requests, peak memory. */
async function exportPhase(emu: import("../emulator").Emulator, dir: string): Promise<ExportPhase> {
  const rssDir = path.join(dir, "rss-export");
  const out = path.join(dir, "exported.ts");
  const cli = path.join(__dirname, "..", "provider", "cli.js");
  emu.resetStats();
  const t0 = performance.now();
  const child = spawn(process.execPath, [cli, "export", "--out", out], {
    env: {
      ...process.env,
      VEZA_URL: emu.url,
      VEZA_API_TOKEN: BENCH_TOKEN,
      VEZA_TOKEN: undefined,
      PULUMI_CONFIG: undefined,
      ...peakRssEnv(rssDir),
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (d: string) => (stderr = (stderr + d).slice(-2000)));
  const exitCode = await new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const wallMs = performance.now() - t0;
  const st = emu.stats();
  return {
    wallMs,
    requests: st.total,
    byRoute: st.byRoute,
    peakMiB: readPeaks(rssDir)[0]?.mib ?? NaN,
    exitCode,
    programBytes: fs.existsSync(out) ? fs.statSync(out).size : 0,
    stderrTail: stderr.split("\n").slice(-3).join(" ").slice(0, 300),
  };
}
