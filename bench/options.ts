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
