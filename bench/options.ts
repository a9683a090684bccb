/**
 * The bench commands' option tables (provider/command-line.ts): each drives its command's parse and
 * --help, and docs/commands.md. Kept apart from the commands, which run when loaded, so the docs
 * generator and the tests can read them.
 */
import { RATE_LIMIT_HEADER_FORMS, type RateLimitHeaderForm } from "../emulator/knobs";
import type { Command } from "../provider/command-line";

function headerFormOf(v: string): RateLimitHeaderForm {
  const form = RATE_LIMIT_HEADER_FORMS.find((f) => f === v && f !== "none");
  if (!form)
    throw new Error(
      `each item must be one of ${RATE_LIMIT_HEADER_FORMS.filter((f) => f !== "none").join(", ")} (or none alone), got "${v}"`,
    );
  return form;
}

/** A comma-separated list's items: numbers, or `none` (where the option allows it) as undefined. */
const numberItem = (none: boolean) => (x: string) => {
  if (none && x === "none") return undefined;
  const n = Number(x);
  if (x.trim() === "" || !Number.isFinite(n) || n < 0)
    throw new Error(`each item must be a number >= 0${none ? " or none" : ""}, got "${x}"`);
  return n;
};

/** `npm run bench`'s flags (also its --help). */
export const BENCH_COMMAND = {
  command: "npm run bench --",
  summary:
    "Scale workloads (bootstrap, no-op up, preview, refresh, state size) for pulumi-veza and the baseline provider, a bootstrap under rate limiting, and the fault scenarios; writes the results file (the soak section, written by `npm run soak`, is kept).",
  maxPositionals: 0,
  options: {
    profiles: { type: "integer", min: 1, default: 300, description: "profiles of the scale runs" },
    runs: { type: "integer", min: 1, default: 3, description: "runs of each workload" },
    latency: { type: "number", value: "MS", min: 0, default: 25, description: "the emulator's latency" },
    out: { type: "string", value: "FILE", description: "the results file (default: bench/RESULTS.md)" },
    "skip-stock": { type: "boolean", description: "skip the one run through the harness's every-step checkpoints" },
    rates: {
      type: "list",
      value: "N,N…",
      default: "25,50,100",
      parse: numberItem(true),
      description: "bucket rates of the rate-limit rows; none skips them",
    },
    "rate-profiles": { type: "integer", min: 1, default: 100, description: "profiles of the rate-limit rows" },
    "rate-new-user": { type: "boolean", description: "rate rows without versionNumber, as a new user writes them" },
    big: { type: "integer", min: 0, default: 3000, description: "profiles of the 300-vs-N rows; 0 skips them" },
    "real-tenant": {
      type: "integer",
      min: 0,
      default: 100,
      description: "profiles of the rows per routes mode (bench/real-tenant.ts); 0 skips them",
    },
    "only-new": { type: "boolean", description: "only the rate and big sections, written between their markers into the existing file" },
    "no-limit": { type: "boolean", description: "with --only-new: the fixed-cap runs where the tenant does not limit, too" },
    "latency-table": {
      type: "boolean",
      description: "only the latency table (bench/latency.ts), written between its markers, with the --latency* options below",
    },
    "latency-profiles": { type: "integer", min: 1, default: 133, description: "profiles of the latency table" },
    "latency-headline": { type: "integer", min: 0, default: 300, description: "profiles of its headline row; 0 skips it" },
    latencies: {
      type: "list",
      value: "MS,MS…",
      default: "20,150,400",
      parse: numberItem(false),
      description: "the latencies of the table",
    },
    limits: {
      type: "list",
      value: "N,N…",
      default: "none,25,50,100",
      parse: numberItem(true),
      description: "the rate limits (none: no limit)",
    },
    parallels: { type: "list", value: "N,N…", default: "8,64", parse: numberItem(false), description: "the --parallel values" },
    "latency-headers": {
      type: "list",
      value: "FORM,FORM…",
      default: "x-ratelimit,ratelimit,ratelimit-structured",
      parse: (x: string) => (x === "none" ? undefined : headerFormOf(x)),
      description: "the rate-limit-header rows' forms; none skips them",
    },
    "latency-header-limits": {
      type: "list",
      value: "N,N…",
      default: "25,100",
      parse: numberItem(false),
      description: "the rate limits of the header rows",
    },
    impact: {
      type: "boolean",
      description: "only the `pulumi-veza impact` digest-size section (bench/impact.ts), with --impact-sizes and --impact-runs",
    },
    "impact-sizes": {
      type: "list",
      value: "N,N…",
      default: "1000,5000,10000",
      parse: numberItem(false),
      description: "profiles of the synthetic previews",
    },
    "impact-runs": { type: "integer", min: 1, default: 3, description: "in-process runs per size (the median is reported)" },
  },
} satisfies Command;

/** `npm run soak`'s flags (also its --help). */
export const SOAK_COMMAND = {
  command: "npm run soak --",
  summary:
    "Random create/update/delete cycles of a generated program against the emulator with faults on; writes the soak section of the results file, exits 1 on any failure.",
  maxPositionals: 0,
  options: {
    minutes: { type: "number", min: 0.1, max: 10, default: 3, description: "how long the cycles run" },
    seed: { type: "integer", description: "the generator's seed (default: from the clock, printed)" },
    out: { type: "string", value: "FILE", description: "the results file (default: bench/RESULTS.md)" },
  },
} satisfies Command;

/** `npm run bench:cli`'s flags (also its --help). */
export const BENCH_CLI_COMMAND = {
  command: "npm run bench:cli --",
  summary:
    "The bootstrap of one stack through the real Pulumi CLI beside the test engine and the baseline provider, with each engine's floor at 0 ms; prints a Markdown table.",
  maxPositionals: 0,
  options: {
    profiles: { type: "integer", min: 1, default: 300, description: "profiles of the stack" },
    latency: { type: "number", value: "MS", min: 0, default: 150, description: "the emulator's latency" },
    parallel: { type: "integer", min: 1, default: 64, description: "pulumi up --parallel" },
    out: { type: "string", value: "FILE", description: "also write the table to FILE" },
    "cli-only": { type: "boolean", description: "only the real CLI's rows" },
  },
} satisfies Command;

/** The phases `npm run bench:scale` runs, in this order after the bootstrap (bench/cli-scale-report.ts reads them too). */
export const SCALE_PHASES = ["bootstrap", "noop", "preview", "refresh", "impact", "export", "destroy"] as const;

function phaseOf(v: string): (typeof SCALE_PHASES)[number] {
  const phase = SCALE_PHASES.find((p) => p === v);
  if (!phase) throw new Error(`each item must be one of ${SCALE_PHASES.join(", ")}, got "${v}"`);
  return phase;
}

/** `npm run bench:scale`'s flags (also its --help). */
export const BENCH_SCALE_COMMAND = {
  command: "npm run bench:scale --",
  summary:
    "A large tenant (1 type, N profiles and versions, N/10 memberships) through the real Pulumi CLI: bootstrap, no-op up, preview, refresh, impact of an inheritance edit, export, destroy; per phase wall, requests, CPU, peak memory and state size as JSON. With --report, renders runs side by side into bench/RESULTS.md.",
  maxPositionals: 0,
  options: {
    profiles: { type: "integer", min: 1, default: 1000, description: "profiles of the tenant" },
    latency: { type: "number", value: "MS", min: 0, default: 25, description: "the emulator's latency" },
    parallel: { type: "integer", min: 1, description: "pulumi --parallel (default: the CLI's own)" },
    checkpoints: { type: "boolean", description: "keep the CLI's per-step checkpoints (default: PULUMI_SKIP_CHECKPOINTS=true)" },
    "phase-timeout-min": { type: "number", value: "MIN", min: 0, default: 30, description: "each phase's bound" },
    only: { type: "list", value: "PHASES", parse: phaseOf, description: "the phases to run after the bootstrap, in that order" },
    "cpu-prof-dir": { type: "string", value: "DIR", description: "CPU profiles of the provider and program processes" },
    "max-old-space-mib": { type: "integer", value: "MIB", min: 1, description: "the program's and provider's V8 heap limit" },
    "stack-trace-limit": {
      type: "integer",
      value: "N",
      min: 0,
      description: "Node's --stack-trace-limit in the program and provider (frames per stack trace; Node's default 10)",
    },
    label: { type: "string", value: "TEXT", description: "what sets this run apart in the report (runs are grouped by it)" },
    json: { type: "string", value: "FILE", description: "write the run's figures here (after every phase)" },
    report: {
      type: "list",
      value: "FILES",
      parse: (file: string) => file,
      description: "render these runs' JSON files side by side instead of running",
    },
    out: { type: "string", value: "FILE", description: "the results file --report writes into (default: bench/RESULTS.md)" },
  },
} satisfies Command;
