/** The report sections of issue 13: bootstrap at a tenant's rate limit, the fixed cap where nothing limits, and 300 vs 3,000 profiles. */
import { idealMs, type Pacing, type RateRun } from "./ratelimit";
import type { ScaleRun } from "./scale";
import { fmtOf, spread, table } from "./stats";

const s = (ms: number) => ms / 1000;
const PACING_LABEL: Record<Pacing, string> = {
  adaptive: "pulumi-veza (adaptive)",
  fixed: "pulumi-veza, fixed cap (`veza:adaptivePacing false`)",
  baseline: "baseline",
};

export function rateSection(
  runs: RateRun[],
  rates: number[],
  pacings: Pacing[],
  latencyMs: number,
  profiles: number,
  note: string,
): string {
  const rows: string[][] = [];
  for (const perSec of rates) {
    for (const p of pacings) {
      const rs = runs.filter((r) => r.perSec === perSec && r.pacing === p);
      if (!rs.length) continue;
      const share = (r: RateRun) => (r.requests ? (100 * r.limited) / r.requests : 0);
      rows.push([
        String(perSec),
        PACING_LABEL[p],
        fmtOf(
          rs.map((r) => s(r.wallMs)),
          2,
        ),
        fmtOf(
          rs.map((r) => s(idealMs(r))),
          2,
        ),
        fmtOf(
          rs.map((r) => r.wallMs / idealMs(r)),
          2,
          "×",
        ),
        fmtOf(rs.map((r) => r.requests)),
        fmtOf(rs.map(share), 1, " %"),
        fmtOf(rs.map((r) => r.failed)),
        rs.map((r) => `${r.serverDiffs}/${r.duplicates}`).join(", "),
        fmtOf(
          rs.map((r) => s(r.previewMs)),
          2,
        ),
      ]);
    }
  }
  const goals = runs.filter((r) => r.pacing === "adaptive");
  const worstRatio = Math.max(...rates.map((p) => spread(goals.filter((r) => r.perSec === p).map((r) => r.wallMs / idealMs(r))).median));
  const worstShare = Math.max(
    ...rates.map((p) => spread(goals.filter((r) => r.perSec === p).map((r) => (100 * r.limited) / r.requests)).median),
  );
  const failures = runs.filter((r) => r.pacing === "baseline" || r.pacing === "fixed").find((r) => r.firstError);
  return `## Bootstrap at the tenant's rate limit: ${profiles} profiles + versions + memberships, ${latencyMs} ms, token bucket (burst ${runs[0]?.burst ?? 10}, \`Retry-After\` in whole seconds)

The emulator's \`rateLimit\` knob: one token bucket in front of every route, refilled at the given rate; a
request that finds it empty is answered 429 with \`Retry-After: 1\`. Ideal = the minimum requests (one per
resource, ${runs[0]?.resources ?? "?"}) at the bucket's rate + the same stack's 0-request \`preview\` (engine,
program and provider process on this machine). ${note}

${table(["requests/s", "provider", "wall (s)", "ideal (s)", "wall / ideal", "requests", "answered 429", "resources failed", "server ≠ program / duplicates", "preview (s)"], rows)}

Goals (adaptive): wall ≤ 1.2 × ideal and ≤ 5 % of requests answered 429 at every rate. Medians here: worst
wall / ideal ${worstRatio.toFixed(2)}×, worst 429 share ${worstShare.toFixed(1)} %.${failures ? `\nFirst failure of a non-adaptive run: ${failures.pacing} at ${failures.perSec}/s: ${failures.firstError!.replace(/\|/g, "/").replace(/\n/g, " ")}` : ""}`;
}

export function noLimitSection(adaptive: ScaleRun[], fixed: ScaleRun[], latencyMs: number): string {
  const rows: string[][] = [
    [
      "Bootstrap: wall time (s)",
      fmtOf(
        adaptive.map((r) => s(r.bootstrap.wallMs)),
        2,
      ),
      fmtOf(
        fixed.map((r) => s(r.bootstrap.wallMs)),
        2,
      ),
    ],
    ["Bootstrap: requests", fmtOf(adaptive.map((r) => r.bootstrap.requests)), fmtOf(fixed.map((r) => r.bootstrap.requests))],
    ["Bootstrap: peak in-flight", fmtOf(adaptive.map((r) => r.bootstrap.peakInFlight)), fmtOf(fixed.map((r) => r.bootstrap.peakInFlight))],
    [
      "Bootstrap: mean in-flight",
      fmtOf(
        adaptive.map((r) => r.bootstrap.meanInFlight),
        1,
      ),
      fmtOf(
        fixed.map((r) => r.bootstrap.meanInFlight),
        1,
      ),
    ],
    [
      "Refresh: wall time (s)",
      fmtOf(
        adaptive.map((r) => s(r.refresh.wallMs)),
        2,
      ),
      fmtOf(
        fixed.map((r) => s(r.refresh.wallMs)),
        2,
      ),
    ],
    ["Errors (bootstrap)", fmtOf(adaptive.map((r) => r.bootstrap.errors)), fmtOf(fixed.map((r) => r.bootstrap.errors))],
  ];
  const n = adaptive[0]?.profiles ?? 0;
  return `## Where the tenant does not limit: adaptive vs fixed cap (${n} profiles, ${latencyMs} ms)

The adaptive limiter sends unpaced until the first 429, so a tenant that never limits sees the fixed cap
of 8 in flight. Same workload as the scale rows, ${adaptive.length} runs of each, median (min–max).

${table(["figure", "pulumi-veza (adaptive)", "pulumi-veza, fixed cap"], rows)}`;
}

export function bigSection(small: ScaleRun, big: ScaleRun, latencyMs: number, notes: string[]): string {
  const k = big.profiles / small.profiles;
  const ratio = (a: number, b: number) => (a > 0 ? `${(b / a).toFixed(2)}×` : b > 0 ? "∞" : "—");
  const mib = (x?: number) => (x === undefined || !Number.isFinite(x) ? "n/a" : x.toFixed(0));
  const row = (label: string, a: number, b: number, digits = 0, goal = "") => [
    label,
    a.toFixed(digits),
    b.toFixed(digits),
    ratio(a, b),
    goal,
  ];
  const rows: string[][] = [
    row(
      "Bootstrap: requests",
      small.bootstrap.requests,
      big.bootstrap.requests,
      0,
      `exactly ${k}× (the 3 types stay 3: per profile ${ratio(small.bootstrap.requests - 3, big.bootstrap.requests - 3)})`,
    ),
    row("Bootstrap: wall (s)", s(small.bootstrap.wallMs), s(big.bootstrap.wallMs), 2, `≤ ${(1.2 * k).toFixed(0)}×`),
    row(
      "Bootstrap: provider peak memory (MiB)",
      small.bootstrap.peakMiB ?? NaN,
      big.bootstrap.peakMiB ?? NaN,
      0,
      `≤ ${(1.2 * k).toFixed(0)}×`,
    ),
    row("Bootstrap: errors", small.bootstrap.errors, big.bootstrap.errors, 0, "0"),
    row("No-op up: requests", small.noop.requests, big.noop.requests, 0, "0"),
    row("No-op up: wall (s)", s(small.noop.wallMs), s(big.noop.wallMs), 2, `≤ ${(1.2 * k).toFixed(0)}×`),
    row("No-op up: provider peak memory (MiB)", small.noop.peakMiB ?? NaN, big.noop.peakMiB ?? NaN, 0, ""),
    row("Preview: requests", small.preview.requests, big.preview.requests, 0, "0"),
    row("Preview: wall (s)", s(small.preview.wallMs), s(big.preview.wallMs), 2, `≤ ${(1.2 * k).toFixed(0)}×`),
    row("Preview: provider peak memory (MiB)", small.preview.peakMiB ?? NaN, big.preview.peakMiB ?? NaN, 0, ""),
    row("Refresh: requests", small.refresh.requests, big.refresh.requests, 0, `≤ N/50 = ${small.profiles / 50} / ${big.profiles / 50}`),
    row("Refresh: wall (s)", s(small.refresh.wallMs), s(big.refresh.wallMs), 2, `≤ ${(1.2 * k).toFixed(0)}×`),
    row("Refresh: provider peak memory (MiB)", small.refresh.peakMiB ?? NaN, big.refresh.peakMiB ?? NaN, 0, ""),
    row("Refresh: errors", small.refresh.errors, big.refresh.errors, 0, "0"),
  ];
  if (small.export && big.export) {
    const pages = (r: ScaleRun) => Math.ceil(r.profiles / 100) + 1; // profile pages + one type page (3 types)
    rows.push(
      row("Export: requests", small.export.requests, big.export.requests, 0, `pages (${pages(small)} / ${pages(big)}) + what members need`),
      row("Export: wall (s)", s(small.export.wallMs), s(big.export.wallMs), 2, `≤ ${(1.2 * k).toFixed(0)}×`),
      row("Export: process peak memory (MiB)", small.export.peakMiB, big.export.peakMiB, 0, `≤ ${(1.2 * k).toFixed(0)}×`),
    );
  }
  for (const r of rows) for (const i of [1, 2]) if (r[i] === "NaN") r[i] = "n/a";
  const routes = (phase: "bootstrap" | "refresh") => {
    const keys = [...new Set([...Object.keys(small[phase].byRoute), ...Object.keys(big[phase].byRoute)])].sort();
    return keys.map((key) => `\`${key}\` ${small[phase].byRoute[key] ?? 0} → ${big[phase].byRoute[key] ?? 0}`).join("; ");
  };
  const exportRoutes =
    small.export && big.export
      ? [...new Set([...Object.keys(small.export.byRoute), ...Object.keys(big.export.byRoute)])]
          .sort()
          .map((key) => `\`${key}\` ${small.export!.byRoute[key] ?? 0} → ${big.export!.byRoute[key] ?? 0}`)
          .join("; ")
      : "";
  void mib;
  return `## Scale: ${small.profiles} vs ${big.profiles} profiles (${small.resources} vs ${big.resources} resources), one run each, ${latencyMs} ms

The scale workload above at ${small.profiles} and at ${big.profiles} profiles, each on a fresh emulator and stack: bootstrap, no-op \`up\`,
\`preview\`, \`refresh\`, then \`pulumi-veza export\` (the CLI, a child process) of the tenant. Peak memory is the
provider process's (one per operation; \`process.resourceUsage().maxRSS\`, written by a preload, \`bench/peak-rss.ts\`).

${table(["figure", String(small.profiles), String(big.profiles), "ratio", "goal (linear)"], rows)}

Requests by route, bootstrap: ${routes("bootstrap")}.
Refresh: ${routes("refresh")}.${exportRoutes ? `\nExport: ${exportRoutes}.` : ""}

${notes.join("\n")}`;
}
