/**
 * The figures of `npm run bench:scale` (bench/cli-scale.ts) and their report: one table per latency
 * and checkpoint setting, each size beside the smallest, with issue 31's goals. Apart from the runner
 * so that rendering needs neither the emulator nor the CLI (tests/bench/cli-scale.test.ts).
 */
import * as fs from "node:fs";

const START = "<!-- cli-scale:start -->";
const END = "<!-- cli-scale:end -->";

import { SCALE_PHASES } from "./options";

export const PHASES = SCALE_PHASES;
export type PhaseName = (typeof PHASES)[number];

export interface PhaseFigures {
  wallMs: number;
  requests: number;
  /** CPU time of the commands' process trees (the Pulumi CLI, its language host, program and provider; or our bin). */
  cpuMs: number;
  /** The provider process's (the dynamic provider's node process) own CPU time and peak RSS; for export and impact, our bin's. */
  providerCpuMs?: number;
  providerPeakMiB?: number;
  /** The program's node process (the language host's child): CPU time and peak RSS. */
  programCpuMs?: number;
  programPeakMiB?: number;
  /** The emulator's CPU time (this process) during the phase. */
  serverCpuMs: number;
  exitCode: number;
  /** What the command said went wrong, or a check that failed (server vs spec after the bootstrap). */
  problem?: string;
  /** Phase-specific: the impact's preview step and the bin separately, steps in the preview… */
  detail?: Record<string, number | string>;
}

export interface CliScaleRun {
  profiles: number;
  resources: number;
  latencyMs: number;
  parallel: string;
  checkpoints: boolean;
  maxOldSpaceMiB?: number;
  /** Node's --stack-trace-limit in the program and provider, when set (V8's default: 10). */
  stackTraceLimit?: number;
  /** What sets this run apart from another of its size in the same table (shown beside its size). */
  label?: string;
  cli: string;
  startedAt: string;
  loadAtStart: number[];
  loadAtEnd: number[];
  cores: number;
  phases: Partial<Record<PhaseName, PhaseFigures>>;
  state?: { bytes: number; perResourceBytes: number };
}

// ---- the report ---------------------------------------------------------------------------------

const s = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? "–" : `${(ms / 1000).toFixed(1)} s`);
const mib = (m: number | undefined) => (m === undefined || Number.isNaN(m) ? "–" : `${m.toFixed(0)} MiB`);
const x = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || !b ? "–" : `${(a / b).toFixed(1)}×`);

/**
 * Issue 31's goals for 10× the profiles, the goals missed: time ≤ 10.5×, requests ≤ 10×, the
 * provider's peak memory ≤ 3×. Time is judged on CPU time (the commands' process trees): on the
 * shared bench machine the wall time counts the other sessions' load, which differs between runs.
 */
export function verdict(big: PhaseFigures, small: PhaseFigures): string[] {
  const misses: string[] = [];
  if (big.cpuMs > small.cpuMs * 10.5) misses.push("time");
  if (big.requests > small.requests * 10) misses.push("requests");
  if (big.providerPeakMiB !== undefined && small.providerPeakMiB !== undefined && big.providerPeakMiB > small.providerPeakMiB * 3)
    misses.push("memory");
  return misses;
}

/** The markdown section for some runs: one table per (latency, checkpoints, --parallel, stack-trace limit) group, larger sizes beside smaller ones (each phase's ratios against a smaller run that has the phase, one of the same label first). */

/** A run's name in a table: its size, and its label when it has one. */
const runName = (r: CliScaleRun): string => `${r.profiles.toLocaleString("en")}${r.label ? ` (${r.label})` : ""}`;

export function renderReport(runs: CliScaleRun[]): string {
  const groups = new Map<string, CliScaleRun[]>();
  for (const r of runs) {
    const k = [
      `${r.latencyMs} ms, ${r.checkpoints ? "checkpoints on (the CLI's default)" : "`PULUMI_SKIP_CHECKPOINTS=true`"}, \`--parallel\` ${r.parallel}`,
      ...(r.stackTraceLimit !== undefined ? [`Node \`--stack-trace-limit=${r.stackTraceLimit}\``] : []),
    ].join(", ");
    groups.set(
      k,
      [...(groups.get(k) ?? []), r].sort((a, b) => a.profiles - b.profiles),
    );
  }
  const out: string[] = [];
  for (const [k, rs] of groups) {
    out.push(`### ${rs.map(runName).join(" vs ")} profiles, ${k}`, "");
    out.push(
      rs
        .map(
          (r) =>
            `${runName(r)} profiles = ${r.resources.toLocaleString("en")} resources, Pulumi CLI ${r.cli}, ${r.startedAt}, ${r.cores} cores, load average ${r.loadAtStart.map((l) => l.toFixed(1)).join("/")} at start, ${r.loadAtEnd.map((l) => l.toFixed(1)).join("/")} at end; state file ${r.state ? `${(r.state.bytes / 2 ** 20).toFixed(1)} MiB, ${Math.round(r.state.perResourceBytes)} bytes per resource` : "–"}.`,
        )
        .join("  \n"),
      "",
    );
    const head = [
      "operation",
      ...rs.flatMap((r, i) => [
        `${runName(r)}: wall`,
        "CPU (CLI tree)",
        "provider CPU",
        "requests",
        "provider peak RSS",
        ...(i > 0 ? ["wall ratio", "CPU ratio", "provider CPU ratio", "request ratio", "memory ratio", "goals (time on CPU)"] : []),
      ]),
    ];
    out.push(`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i ? "---:" : "---")).join("|")}|`);
    for (const p of PHASES) {
      if (!rs.some((r) => r.phases[p])) continue;
      const cells = [
        p === "noop"
          ? "no-op up"
          : p === "bootstrap"
            ? "bootstrap (up)"
            : p === "impact"
              ? "impact (preview --json + bin)"
              : p === "export"
                ? "`pulumi-veza export`"
                : p,
      ];
      rs.forEach((r, i) => {
        const f = r.phases[p];
        cells.push(
          f ? `${s(f.wallMs)}${f.problem ? ` (${f.exitCode === 124 ? "timed out" : "failed"})` : ""}` : "–",
          s(f?.cpuMs),
          s(f?.providerCpuMs),
          f ? String(f.requests) : "–",
          mib(f?.providerPeakMiB),
        );
        if (i > 0) {
          // each phase against a smaller run of the table that has it, one of the same label first; a
          // phase that failed (or was cut short) at either size has no ratio and no verdict
          const smaller = rs.filter((b) => b.profiles < r.profiles && b.phases[p] && !b.phases[p]!.problem);
          const base = smaller.find((b) => b.label === r.label) ?? smaller[0];
          const a = f && !f.problem ? base?.phases[p] : undefined;
          // the goals are stated for 10× the profiles
          const misses = f && a && r.profiles === 10 * base!.profiles ? verdict(f, a) : undefined;
          cells.push(
            x(f?.wallMs, a?.wallMs),
            x(f?.cpuMs, a?.cpuMs),
            x(f?.providerCpuMs, a?.providerCpuMs),
            x(f?.requests, a?.requests),
            x(f?.providerPeakMiB, a?.providerPeakMiB),
            misses ? (misses.length ? `missed: ${misses.join(", ")}` : "met") : "–",
          );
        }
      });
      out.push(`| ${cells.join(" | ")} |`);
    }
    out.push("");
    const problems = rs.flatMap((r) =>
      PHASES.filter((p) => r.phases[p]?.problem).map((p) => `- ${runName(r)} profiles, ${p}: ${r.phases[p]!.problem}`),
    );
    out.push(
      "For impact and export the provider columns are the `pulumi-veza` bin's own process; CPU (CLI tree) is every process the command started.",
      "",
    );
    // the phases that run the program (refresh, export and destroy do not)
    const programPhases = ["bootstrap", "noop", "preview"] as const;
    const programs = rs
      .map((r) => {
        const ran = programPhases.filter((p) => r.phases[p]?.programPeakMiB);
        const each = ran.map((p) => `${p} ${s(r.phases[p]!.programCpuMs)} CPU, ${mib(r.phases[p]!.programPeakMiB)} peak RSS`);
        return ran.length ? `${runName(r)}: ${each.join(", ")}` : "";
      })
      .filter(Boolean);
    if (programs.length) out.push(`The program's node process (the Pulumi SDK registering every resource): ${programs.join("; ")}.`, "");
    const impact = rs
      .filter((r) => r.phases.impact?.detail)
      .map(
        (r) =>
          `${runName(r)}: preview ${s(Number(r.phases.impact!.detail!.previewMs))}, ${(Number(r.phases.impact!.detail!.previewBytes) / 2 ** 20).toFixed(1)} MiB of JSON; bin ${s(Number(r.phases.impact!.detail!.binMs))} (CPU ${s(Number(r.phases.impact!.detail!.binCpuMs))}), ${r.phases.impact!.detail!.identities} identities`,
      );
    out.push(
      "",
      ...(impact.length ? [`Impact, split: ${impact.join("; ")}.`, ""] : []),
      ...(problems.length ? ["Problems:", ...problems, ""] : []),
    );
  }
  return out.join("\n");
}

export function writeSection(file: string, body: string): void {
  const section = `${START}\n## Large tenant through the real Pulumi CLI (\`npm run bench:scale\`)\n\n${body.trimEnd()}\n${END}`;
  const old = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  const next =
    old.includes(START) && old.includes(END)
      ? old.slice(0, old.indexOf(START)) + section + old.slice(old.indexOf(END) + END.length)
      : `${old.trimEnd()}\n\n${section}\n`;
  fs.writeFileSync(file, next);
}
