/**
 * `npm run bench -- --impact`: how `pulumi-veza impact` scales with the preview's size. For 1,000,
 * 5,000 and 10,000 profiles it writes a `pulumi preview --json --show-sames` document shaped like a
 * catalog stack (leaf profiles with entities, business roles inheriting leaves and, for some, other
 * roles; memberships and each version's `members` output; every state carrying a ~440-byte `__provider` as the real ones do) in which
 * 1 % of the roles change their inheritance, then measures:
 *
 * - in-process: parse + analyse + render markdown (median of --impact-runs, default 3);
 * - the bin, as CI runs it (`node dist/provider/cli.js impact FILE`): wall time, CPU time (user +
 *   system: on a shared machine the wall time counts the others' load) and peak RSS, both written by
 *   bench/peak-rss.ts preloaded.
 *
 * Writes its section between `<!-- impact:start -->` and `<!-- impact:end -->` of the results file.
 * Options: --impact-sizes 1000,5000,10000  --impact-runs 3 (bench/run.ts reads them)
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { impactOf, render } from "../provider/impact";
import { PEAK_RSS_PRELOAD, readPeaks } from "./peak-rss";

const REPO = path.join(__dirname, "..", "..");
const CLI = path.join(REPO, "dist", "provider", "cli.js");
const START = "<!-- impact:start -->";
const END = "<!-- impact:end -->";
const T = "pulumi-nodejs:dynamic/veza:";
const PROVIDER_TEXT = `exports.handler = () => { const $ = (m, a) => require("pulumi-veza").$({ k: "X" }, m, a); ${"x".repeat(360)} };\n`;

/** A synthetic preview of `n` profiles; returns its JSON text and how many identities change. */
export function syntheticPreview(n: number): { text: string; steps: number } {
  const roles = Math.floor(n / 5);
  const leaves = n - roles;
  const urn = (kind: string, name: string) => `urn:pulumi:bench::catalog::${T}${kind}::${name}`;
  const state = (kind: string, name: string, id: string, props: Record<string, unknown>, deps: Record<string, string[]> = {}) => ({
    urn: urn(kind, name),
    custom: true,
    id,
    type: `${T}${kind}`,
    inputs: { __provider: PROVIDER_TEXT, ...props },
    outputs: { __provider: PROVIDER_TEXT, ...props },
    propertyDependencies: deps,
  });
  const steps: unknown[] = [];
  const same = (s: ReturnType<typeof state>) => steps.push({ op: "same", urn: s.urn, oldState: s, newState: s, detailedDiff: null });
  const pid = (i: number) => `p-${i}`;
  const name = (i: number) => (i < leaves ? `Leaf ${i}` : `Role ${i - leaves}`);
  for (let i = 0; i < n; i++) {
    same(state("AccessProfile", name(i), pid(i), { name: name(i), profileType: "t-1", currentVersionNumber: 1 }));
    const leaf = i < leaves;
    const entities = leaf
      ? [
          { entityType: "OktaGroup", datasourceId: "okta", entityId: `g-${i}` },
          ...(i % 3 === 0 ? [{ entityType: "AwsIamRole", datasourceId: "aws", entityId: `r-${i}` }] : []),
        ]
      : [];
    const r = i - leaves;
    const inherits = leaf
      ? []
      : [pid(r % leaves), pid((r * 7 + 1) % leaves), pid((r * 13 + 2) % leaves), ...(r % 10 === 9 ? [pid(leaves + r - 1)] : [])];
    const holders = leaf
      ? i % 5 === 0
        ? [`user${i % (n / 2)}@acme.com`, `user${(i * 3) % (n / 2)}@acme.com`]
        : []
      : Array.from({ length: 5 }, (_, k) => `user${(r * 5 + k) % (n / 2)}@acme.com`);
    // a version's read-only `members` output lists its holders (what an up or refresh read)
    const v = state("AccessProfileVersion", `${name(i)} v`, `${pid(i)}/versions/1`, {
      accessProfileId: pid(i),
      versionNumber: 1,
      entities,
      inheritFrom: inherits,
      members: holders,
    });
    if (!leaf && r % 100 === 0) {
      const edited = { ...v, inputs: { ...v.inputs, inheritFrom: [...inherits, pid((r * 17 + 3) % leaves)] } };
      steps.push({ op: "update", urn: v.urn, oldState: v, newState: { ...edited, outputs: edited.inputs }, detailedDiff: null });
    } else same(v);
    if (holders.length)
      same(
        state("ProfileMembership", `${name(i)} m`, `${pid(i)}/versions/1/members`, {
          accessProfileId: pid(i),
          versionNumber: 1,
          identityIds: holders,
          managedIdentityIds: holders,
          exclusive: false,
        }),
      );
  }
  // what the CLI's changeSummary counts: the steps by operation
  const changeSummary: Record<string, number> = {};
  for (const st of steps as { op: string }[]) changeSummary[st.op] = (changeSummary[st.op] ?? 0) + 1;
  return { text: JSON.stringify({ steps, changeSummary }, null, 4), steps: steps.length };
}

interface Row {
  profiles: number;
  steps: number;
  mib: number;
  inProcessMs: number;
  cliMs: number;
  cliCpuMs: number;
  cliPeakMib: number;
  identities: number;
}

function measure(n: number, runs: number, dir: string): Row {
  const { text, steps } = syntheticPreview(n);
  const file = path.join(dir, `preview-${n}.json`);
  fs.writeFileSync(file, text);
  const times: number[] = [];
  let identities = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const impact = impactOf({ text, file });
    render(impact, "markdown");
    times.push(performance.now() - t0);
    identities = impact.report.identities.length;
  }
  times.sort((a, b) => a - b);
  const rssDir = path.join(dir, `rss-${n}`);
  fs.mkdirSync(rssDir);
  const cliTimes: number[] = [];
  const cpuTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    // the preload writes the bin's peak RSS and its own CPU time (spawnSync does not report a child's)
    const r = spawnSync(process.execPath, [CLI, "impact", file, "--format", "json"], {
      env: { ...process.env, NODE_OPTIONS: `--require ${PEAK_RSS_PRELOAD}`, BENCH_PEAK_RSS_DIR: rssDir },
      encoding: "utf8",
      maxBuffer: 1 << 30,
    });
    cliTimes.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`impact of ${n} profiles failed (exit ${r.status}): ${r.stderr}`);
    cpuTimes.push(readPeaks(rssDir).find((p) => p.pid === r.pid)?.cpuMs ?? NaN);
  }
  cliTimes.sort((a, b) => a - b);
  cpuTimes.sort((a, b) => a - b);
  const peak = readPeaks(rssDir)[0]?.mib ?? NaN;
  const median = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;
  return {
    profiles: n,
    steps,
    mib: Buffer.byteLength(text) / 2 ** 20,
    inProcessMs: median(times),
    cliMs: median(cliTimes),
    cliCpuMs: median(cpuTimes),
    cliPeakMib: peak,
    identities,
  };
}

/** Issue 28's target for the largest size: ≤ 2 s through the bin and ≤ 300 MiB peak. */
function targetLine(rows: Row[]): string[] {
  const big = rows.find((r) => r.profiles === 10_000);
  if (!big) return [];
  const fast =
    big.cliMs <= 2000
      ? "met"
      : big.cliCpuMs <= 2000
        ? `met in CPU time (${(big.cliCpuMs / 1000).toFixed(2)} s); the wall time includes waiting for the shared machine's cores`
        : "not met";
  return [
    "",
    `Target for 10,000 profiles (≤ 2 s through the bin, ≤ 300 MiB peak): time ${fast}; memory ${big.cliPeakMib <= 300 ? "met" : "not met"} (${big.cliPeakMib.toFixed(0)} MiB).`,
  ];
}

/** The impact section of the results file, kept when the rest is rewritten ("" when there is none). */
export function keptImpactSection(file: string): string {
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  return a >= 0 && b > a ? `\n${text.slice(a, b + END.length)}\n` : "";
}

/** `sizes`: profiles of each synthetic preview; `runs`: in-process runs per size (the median is reported). */
export async function impactBench(out: string, { sizes, runs }: { sizes: number[]; runs: number }): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "veza-impact-bench-"));
  const load = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" / ");
  const rows: Row[] = [];
  try {
    for (const n of sizes) {
      process.stderr.write(`[bench] impact: ${n} profiles\n`);
      rows.push(measure(n, runs, dir));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const first = rows[0]!;
  const lines = [
    START,
    "## `pulumi-veza impact`: digest size",
    "",
    `A synthetic \`pulumi preview --json --show-sames\` of a catalog stack (1/5 roles inheriting 3 leaves, 1 in 10 also a role; memberships, and each version's \`members\` output; a ~440-byte \`__provider\` per state), 1 % of roles edited. In-process: parse + analyse + render markdown, median of ${runs}. The bin: \`node dist/provider/cli.js impact FILE --format json\`, median wall time of ${runs} (node start included) and the largest peak RSS. ${new Date().toISOString()}, ${os.cpus().length} cores, load average at start ${load}.`,
    "",
    "| profiles | steps | preview JSON | in-process | per 1,000 profiles | bin wall time | bin CPU time | bin peak RSS | identities that change |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.profiles.toLocaleString("en")} | ${r.steps.toLocaleString("en")} | ${r.mib.toFixed(1)} MiB | ${(r.inProcessMs / 1000).toFixed(2)} s | ${(r.inProcessMs / (r.profiles / 1000)).toFixed(0)} ms | ${(r.cliMs / 1000).toFixed(2)} s | ${(r.cliCpuMs / 1000).toFixed(2)} s | ${r.cliPeakMib.toFixed(0)} MiB | ${r.identities} |`,
    ),
    "",
    `Linear: ${rows.map((r) => `${r.profiles / first.profiles}x the profiles → ${(r.inProcessMs / first.inProcessMs).toFixed(1)}x the time (bin CPU ${(r.cliCpuMs / first.cliCpuMs).toFixed(1)}x)`).join(", ")}.`,
    ...targetLine(rows),
    END,
  ];
  const section = lines.join("\n");
  const old = fs.existsSync(out) ? fs.readFileSync(out, "utf8") : "";
  const next =
    old.includes(START) && old.includes(END)
      ? old.slice(0, old.indexOf(START)) + section + old.slice(old.indexOf(END) + END.length)
      : `${old.trimEnd()}\n\n${section}\n`;
  fs.writeFileSync(out, next);
  process.stdout.write(`${section}\n`);
}
