/**
 * `npm run bench`: scale workloads (bootstrap, no-op up, preview, refresh, state size) for pulumi-veza
 * and the baseline provider, a bootstrap under rate limiting, and the fault scenarios; writes
 * bench/RESULTS.md (the soak section, written by `npm run soak`, is kept).
 *
 * Options: BENCH_COMMAND in bench/options.ts (`npm run bench -- --help`).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execSync } from "node:child_process";
import { ambiguousPosts, hangs, rateLimited, serverDeath, tokenExpiry, type FaultReport } from "../harness/faults";
import { rateRun, type Pacing, type RateRun } from "./ratelimit";
import { scaleRun, type ScaleRun } from "./scale";
import { latencySection, latencyTable, type Variant } from "./latency";
import { realTenantSection } from "./real-tenant";
import { bigSection, noLimitSection, rateSection } from "./sections";
import { FLAVORS, faultSection, limitedSection, scaleSection, type RunSettings } from "./report";
import { impactBench, keptImpactSection } from "./impact";
import type { Flavor } from "../harness/rig";
import { parseOrExit } from "../provider/command-line";
import { BENCH_COMMAND } from "./options";

const parsed = parseOrExit(BENCH_COMMAND, process.argv.slice(2), process);
if (typeof parsed === "number") process.exit(parsed);
const ARGS = parsed.values;
const PROFILES = ARGS.profiles;
const RUNS = ARGS.runs;
const LATENCY = ARGS.latency;
/** The concurrency cap of the scale section's runs (veza:maxConcurrency; the default until December 2026, now 64): the cap is the limit there, not the engine's `parallel`. */
const CAP = 8;
const CAPPED = { "veza:maxConcurrency": String(CAP) };
const OUT = ARGS.out ?? path.join(__dirname, "..", "..", "bench", "RESULTS.md");
const SKIP_STOCK = ARGS["skip-stock"];
const RATES = ARGS.rates.filter((x): x is number => x !== undefined);
const RATE_PROFILES = ARGS["rate-profiles"];
const RATE_LATENCY = 20;
const RATE_NEW_USER = ARGS["rate-new-user"];
const BIG = ARGS.big;
const ONLY_NEW = ARGS["only-new"];
/** Profiles of the real-tenant rows (bench/real-tenant.ts; 0 skips them). */
const REAL_TENANT = ARGS["real-tenant"];
/** With --only-new: also the adaptive-vs-fixed-cap runs where the tenant does not limit. */
const NO_LIMIT = ARGS["no-limit"];
const PACINGS: Pacing[] = ["adaptive", "fixed", "baseline"];
const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);

function pulumiVersion(): string {
  try {
    return JSON.parse(fs.readFileSync(require.resolve("@pulumi/pulumi/package.json"), "utf8")).version;
  } catch {
    return "?";
  }
}

function gitRev(): string {
  try {
    return execSync("git rev-parse --short HEAD", { cwd: path.join(__dirname, "..", ".."), stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim();
  } catch {
    return "?";
  }
}

const LOAD_AT_START = os
  .loadavg()
  .map((x) => x.toFixed(2))
  .join(" / ");

const LATENCY_START = "<!-- latency-table:start -->";
const LATENCY_END = "<!-- latency-table:end -->";

/** `--latency-table`: that section alone, put between its markers (before the rate-and-scale sections when absent). */
async function latencyTableOnly(): Promise<void> {
  const o = {
    latencies: ARGS.latencies.filter((x): x is number => x !== undefined),
    limits: ARGS.limits,
    parallels: ARGS.parallels.filter((x): x is number => x !== undefined),
    variants: ["ours", "known", "baseline", "cap8"] as Variant[],
    profiles: ARGS["latency-profiles"],
    headlineProfiles: ARGS["latency-headline"],
    headerForms: ARGS["latency-headers"].filter((x) => x !== undefined),
    headerLimits: ARGS["latency-header-limits"].filter((x): x is number => x !== undefined),
    log,
  };
  const t = await latencyTable(o);
  const stamp = `_\`npm run bench -- --latency-table\` (${new Date().toISOString()}, commit ${gitRev()}); machine: ${os.cpus().length} cores, Node ${process.version}, @pulumi/pulumi ${pulumiVersion()}._`;
  const text = fs.existsSync(OUT) ? fs.readFileSync(OUT, "utf8") : "# Benchmarks and fault injection\n";
  const out = withBlock(text, LATENCY_START, LATENCY_END, latencySection(t, o, stamp), NEW_START);
  fs.writeFileSync(OUT, out);
  log(`wrote the latency table to ${OUT} in ${t.totalS.toFixed(0)} s`);
}

async function main(): Promise<void> {
  if (ARGS["latency-table"]) return latencyTableOnly();
  const started = performance.now();
  const runs: Record<Flavor, ScaleRun[]> = { ours: [], baseline: [] };
  const floor: Record<Flavor, ScaleRun[]> = { ours: [], baseline: [] };
  const limited: Record<Flavor, ScaleRun[]> = { ours: [], baseline: [] };
  const wide: ScaleRun[] = [];
  const fixedCap: ScaleRun[] = [];
  let stock: ScaleRun | undefined;
  const extra: string[] = [];
  if (!ONLY_NEW) await oldSections();
  async function oldSections(): Promise<void> {
    for (let i = 0; i < RUNS; i++) {
      for (const f of FLAVORS) {
        log(`run ${i + 1}/${RUNS} ${f}: ${PROFILES} profiles, ${LATENCY} ms`);
        runs[f].push(await scaleRun(f, PROFILES, LATENCY, 100 + i, {}, "throttled", CAPPED));
        log(`  bootstrap ${Math.round(runs[f][i].bootstrap.wallMs)} ms, ${runs[f][i].bootstrap.requests} requests`);
        log(`run ${i + 1}/${RUNS} ${f}: ${PROFILES} profiles, 0 ms (engine floor)`);
        floor[f].push(await scaleRun(f, PROFILES, 0, 200 + i, {}, "throttled", CAPPED));
        log(`run ${i + 1}/${RUNS} ${f}: 100 profiles, ${LATENCY} ms, 10% 429 (half Retry-After: 0) + 2% 503`);
        limited[f].push(
          await scaleRun(
            f,
            100,
            LATENCY,
            300 + i,
            { rate429: 0.1, retryAfterFraction: 0.5, retryAfter: "0", rate503: 0.02 },
            "throttled",
            CAPPED,
          ),
        );
      }
    }
    for (let i = 0; i < RUNS; i++) {
      log(`run ${i + 1}/${RUNS} ours with the fixed cap (veza:adaptivePacing false): ${PROFILES} profiles, ${LATENCY} ms`);
      fixedCap.push(await scaleRun("ours", PROFILES, LATENCY, 100 + i, {}, "throttled", { "veza:adaptivePacing": "false" }));
    }
    for (let i = 0; i < RUNS; i++) {
      log(`run ${i + 1}/${RUNS} ours with veza:maxConcurrency 32: ${PROFILES} profiles, ${LATENCY} ms`);
      wide.push(await scaleRun("ours", PROFILES, LATENCY, 500 + i, {}, "throttled", { "veza:maxConcurrency": "32" }));
    }
    if (!SKIP_STOCK) {
      log(`one run of pulumi-veza through the harness's every-step checkpoints`);
      stock = await scaleRun("ours", PROFILES, LATENCY, 400, {}, "every-step", CAPPED);
    }
  }
  if (RATES.length) {
    const rateRuns: RateRun[] = [];
    for (let i = 0; i < RUNS; i++) {
      for (const perSec of RATES) {
        for (const p of PACINGS) {
          log(`rate-limit run ${i + 1}/${RUNS}: ${p}, ${perSec}/s, ${RATE_PROFILES} profiles, ${RATE_LATENCY} ms`);
          const r = await rateRun(p, perSec, 600 + i, {
            profiles: RATE_PROFILES,
            latencyMs: RATE_LATENCY,
            program: RATE_NEW_USER ? { versionNumber: false } : undefined,
          });
          rateRuns.push(r);
          log(
            `  ${Math.round(r.wallMs)} ms, ${r.requests} requests, ${r.limited} answered 429, ${r.failed} failed; preview ${Math.round(r.previewMs)} ms`,
          );
        }
      }
    }
    const note = RATE_NEW_USER
      ? "Versions and memberships are declared without `versionNumber`, as a new user writes them."
      : "Versions and memberships pass `versionNumber: profile.currentVersionNumber` (as in the scale rows).";
    extra.push(rateSection(rateRuns, RATES, PACINGS, RATE_LATENCY, RATE_PROFILES, note));
  }
  if (ONLY_NEW && NO_LIMIT) {
    // the comparison alone (the full bench takes the adaptive column from its scale runs)
    for (let i = 0; i < RUNS; i++) {
      for (const adaptive of [true, false]) {
        log(
          `no-limit run ${i + 1}/${RUNS}: ${adaptive ? "adaptive" : "fixed cap"}, ${PROFILES} profiles, ${LATENCY} ms (bootstrap and refresh)`,
        );
        const r = await scaleRun("ours", PROFILES, LATENCY, 100 + i, {}, "throttled", adaptive ? {} : { "veza:adaptivePacing": "false" }, {
          skipNoopAndPreview: true,
        });
        (adaptive ? runs.ours : fixedCap).push(r);
        log(
          `  bootstrap ${Math.round(r.bootstrap.wallMs)} ms, ${r.bootstrap.requests} requests; refresh ${Math.round(r.refresh.wallMs)} ms`,
        );
      }
    }
  }
  if (runs.ours.length && fixedCap.length) extra.push(noLimitSection(runs.ours, fixedCap, LATENCY));
  if (REAL_TENANT > 0) {
    log(`tenants without the assumed routes: ${REAL_TENANT} profiles in each routes mode, both wirings`);
    extra.push(await realTenantSection(REAL_TENANT));
  }
  if (BIG > 0) {
    const bigLog = (l: string) => log(`  ${l}`);
    log(`scale ${PROFILES} profiles (memory, export), ${LATENCY} ms`);
    const small = await scaleRun("ours", PROFILES, LATENCY, 700, {}, "throttled", {}, { memory: true, exportPhase: true, log: bigLog });
    log(`scale ${BIG} profiles (memory, export), ${LATENCY} ms`);
    const big = await scaleRun("ours", BIG, LATENCY, 701, {}, "throttled", {}, { memory: true, exportPhase: true, log: bigLog });
    extra.push(bigSection(small, big, LATENCY, BIG_NOTES));
  }
  const faults: FaultReport[] = [];
  if (!ONLY_NEW) {
    for (const f of FLAVORS) {
      for (const scenario of [rateLimited, ambiguousPosts, serverDeath, hangs, tokenExpiry]) {
        log(`fault scenario ${scenario.name} (${f})`);
        faults.push(await scenario({ flavor: f }));
      }
    }
  }
  const totalS = (performance.now() - started) / 1000;
  if (ONLY_NEW) {
    // only these sections: put them into the existing file between their markers, the rest stays as it was measured
    const stamp = `_These sections: \`npm run bench -- --only-new${RATES.length ? "" : " --rates none"}${BIG ? "" : " --big 0"}\` (${new Date().toISOString()}, commit ${gitRev()}, ${totalS.toFixed(0)} s); machine as above, load average at start ${LOAD_AT_START}, at end ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" / ")}. The sections outside these markers are from the run named at the top._`;
    fs.writeFileSync(
      OUT,
      withNewSections(
        fs.existsSync(OUT) ? fs.readFileSync(OUT, "utf8") : "# Benchmarks and fault injection\n",
        `${stamp}\n\n${extra.join("\n\n")}`,
      ),
    );
  } else fs.writeFileSync(OUT, report(runs, floor, limited, wide, stock, faults, totalS, extra));
  log(`wrote ${OUT} in ${totalS.toFixed(0)} s`);
}

function report(
  runs: Record<Flavor, ScaleRun[]>,
  floor: Record<Flavor, ScaleRun[]>,
  limited: Record<Flavor, ScaleRun[]>,
  wide: ScaleRun[],
  stock: ScaleRun | undefined,
  faults: FaultReport[],
  totalS: number,
  extra: string[],
): string {
  const settings: RunSettings = { profiles: PROFILES, runs: RUNS, latencyMs: LATENCY, cap: CAP };
  const latencyBlock = existingBlock(
    LATENCY_START,
    LATENCY_END,
    `${LATENCY_START}\n## Latency table\n\nNot run yet: \`npm run bench -- --latency-table\` writes this section.\n${LATENCY_END}`,
  );
  return `# Benchmarks and fault injection

Generated by \`npm run bench\` (${new Date().toISOString()}, commit ${gitRev()}, ${totalS.toFixed(0)} s in all).
Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}, @pulumi/pulumi ${pulumiVersion()}, ${os.platform()} ${os.arch()};
load average at start ${LOAD_AT_START}, at end ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" / ")} (1/5/15 min; other work on the machine shows here).

Every figure is the median of ${RUNS} runs with (min–max) when they differ. Each run starts a fresh emulator
(${LATENCY} ms latency added to every response) and a fresh stack, and drives the stack through the in-repo test
engine (the real @pulumi/pulumi dynamic-provider gRPC server, \`parallel: 64\` so that the provider's own
concurrency cap, set to ${CAP} here, is the limit for pulumi-veza). Requests and peak in-flight are counted by the emulator.

${scaleSection(settings, runs, floor, wide, stock)}

${limitedSection(settings, limited)}

${latencyBlock}

${NEW_START}
${extra.join("\n\n")}
${NEW_END}

${faultSection(faults)}

${existingSoak()}
${keptImpactSection(OUT)}`;
}

/** What the hunt for quadratic costs at 3,000 profiles found (kept by hand: it is analysis, not a measurement). */
const BIG_NOTES: string[] = [
  "What was looked for, and found, in the cost at 3,000 profiles:",
  "",
  "- **Harness checkpoints (fixed):** the test engine rewrote the whole state every 250 ms during an operation. At 9,003 resources the state is 23 MB (0.64 s to serialise, 1.24 s to write on a loaded machine), so checkpoints took most of every operation and their total grew with the square of the stack. `harness/engine.ts` spaces intermediate checkpoints to at least ten times the last write's cost (the final write of each operation is unchanged).",
  "- **Harness state look-ups (fixed):** every registration looked its URN up by scanning the whole state (`findLive`/`upsert`): about 81 million comparisons per operation at 9,003 resources, which made the no-op `up` 15.5× the 300-profile one. The engine now keeps each URN's position in a map (the no-op `up` row above).",
  "- **Refresh (fixed):** the old read cache's list sessions expired during a long refresh and each new one walked the profile list again from page 1 (313 requests at 3,000 profiles). `provider/client/list-index.ts` keeps one lazily paged walk per list per process, joined by every read while it runs and trusted for `veza:readCacheTtlMs` (30 s) after its last page: the pages of each list once (the refresh rows above).",
  "- **Export (fixed):** `pulumi-veza export` reads each current version and its members from the paged profile list (it sent a GET per profile and a member list per profile before: 6,031 requests at 3,000 profiles); now the pages only, plus a read for a version or members a list item leaves out.",
  "- **Provider:** no per-resource list walk or name look-up on the bootstrap path (bootstrap requests are exactly 10× per profile); the list index looks ids and names up in maps; the limiter keeps at most one send time per accepted request since its last throttle event (bounded at 20,000) and the last 2 s of answers. The provider process's peak memory is mostly the Pulumi runtime's (the memory rows above).",
  "- **Emulator (noted, not the provider):** `findProfileByName` scans every profile on each POST (4.5 M comparisons at 3,000, milliseconds); encoding a type scans every profile for its count and integrations (3 types here).",
  "",
  "Every wall-time ratio is within the linear goal (≤ 12×); the engine and the program share the machine with the provider, so these wall times are mostly the engine's (see the 0 ms row at the top).",
];

const NEW_START = "<!-- rate-and-scale:start -->";
const NEW_END = "<!-- rate-and-scale:end -->";

/** `text` with the part between the rate-and-scale markers replaced (inserted before the fault scenarios when absent). */
function withNewSections(text: string, body: string): string {
  return withBlock(text, NEW_START, NEW_END, body, "## Fault scenarios");
}

/** `text` with the part between `start` and `end` replaced by `body` (inserted before `before`, else at the end, when absent). */
function withBlock(text: string, start: string, end: string, body: string, before: string): string {
  const block = `${start}\n${body}\n${end}`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a >= 0 && b > a) return text.slice(0, a) + block + text.slice(b + end.length);
  const at = text.indexOf(before);
  return at >= 0 ? `${text.slice(0, at)}${block}\n\n${text.slice(at)}` : `${text.trimEnd()}\n\n${block}\n`;
}

const SOAK_START = "<!-- soak:start -->";
const SOAK_END = "<!-- soak:end -->";

/** The block between `start` and `end` in the existing report (kept by a full run: other commands measured it), else `fallback`. */
function existingBlock(start: string, end: string, fallback: string): string {
  try {
    const text = fs.readFileSync(OUT, "utf8");
    const a = text.indexOf(start);
    const b = text.indexOf(end);
    if (a >= 0 && b > a) return text.slice(a, b + end.length);
  } catch {
    /* none yet */
  }
  return fallback;
}

function existingSoak(): string {
  return existingBlock(SOAK_START, SOAK_END, `${SOAK_START}\n## Soak\n\nNot run yet: \`npm run soak\` writes this section.\n${SOAK_END}`);
}

(ARGS.impact
  ? impactBench(OUT, { sizes: ARGS["impact-sizes"].filter((x): x is number => x !== undefined), runs: ARGS["impact-runs"] })
  : main()
).then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
