/**
 * `node dist/bench/real-tenant.js [profiles]`: the real-tenant rows of bench/RESULTS.md, printed as
 * Markdown. For each emulator routes mode ("all"; "documented": only the guide's calls; "gateway":
 * documented, unbound methods 501), with short list items: the bootstrap written both ways (no
 * `versionNumber`, the program users write first; and `versionNumber` wired from the profile's
 * `currentVersionNumber`), requests per resource and by route; then refresh and destroy of that stack.
 */
import { ROUTES_MODES, type RoutesMode } from "../emulator";
import { kitFor, makeRig } from "../harness/rig";
import { bootstrapSpec, program, resourceCount, type Spec } from "../harness/workload";
import { runCommand, type Command } from "../provider/command-line";
import { VezaUsageError } from "../provider/errors";

type Wiring = "no versionNumber" | "versionNumber wired";

const programFor = (spec: Spec, wiring: Wiring) => program(spec, kitFor("ours"), { versionNumber: wiring === "versionNumber wired" });

interface Row {
  routes: RoutesMode;
  wiring: Wiring;
  resources: number;
  bootstrap: { requests: number; byRoute: Record<string, number>; errors: number; wallS: number };
  refresh: { requests: number; byRoute: Record<string, number>; errors: number; dropped: number; changed: number };
  destroy: {
    requests: number;
    errors: number;
    deletes: number;
    warnings: number;
    profilesLeft: number;
    pausedLeft: number;
    membersLeft: number;
  };
}

async function measure(routes: RoutesMode, wiring: Wiring, n: number): Promise<Row> {
  const spec = bootstrapSpec(n, "rt");
  const rig = await makeRig({ knobs: { routes, shortLists: true, latencyMs: 5 } });
  try {
    const e = rig.engine({}, "throttled");
    const t0 = Date.now();
    const up = await e.up(programFor(spec, wiring));
    const wallS = (Date.now() - t0) / 1000;
    const bootstrap = { requests: rig.emu.stats().total, byRoute: rig.emu.stats().byRoute, errors: up.errors.length, wallS };
    await e.refresh(); // settles read-only outputs that moved after creation
    const before = e.state().resources.length;
    rig.emu.resetStats();
    const ref = await e.refresh();
    const refresh = {
      requests: rig.emu.stats().total,
      byRoute: rig.emu.stats().byRoute,
      errors: ref.errors.length,
      dropped: before - e.state().resources.length,
      changed: Object.values(ref.resources).filter((x) => x.op === "refresh-update").length,
    };
    rig.emu.resetStats();
    const d = await e.destroy();
    const left = rig.emu.store.listProfiles();
    const destroy = {
      requests: rig.emu.stats().total,
      errors: d.errors.length,
      deletes: d.deletes,
      warnings: d.warnings.length,
      profilesLeft: left.length,
      pausedLeft: left.filter((p) => p.state === "PAUSED").length,
      membersLeft: left.reduce((a, p) => a + rig.emu.store.listMembers(p.id, p.current_version_number).length, 0),
    };
    return { routes, wiring, resources: resourceCount(spec), bootstrap, refresh, destroy };
  } finally {
    await rig.close();
  }
}

const routeList = (byRoute: Record<string, number>) =>
  Object.entries(byRoute)
    .sort()
    .map(([k, v]) => `${k} ${v}`)
    .join("; ");

export async function realTenantSection(n: number): Promise<string> {
  const rows: Row[] = [];
  for (const routes of ROUTES_MODES)
    for (const wiring of ["no versionNumber", "versionNumber wired"] as Wiring[]) rows.push(await measure(routes, wiring, n));
  const out = [
    `## Tenants without the assumed routes: ${n} profiles (${rows[0].resources} resources), short list items`,
    "",
    "Each row: a fresh emulator in that routes mode with `shortLists` (list items carry only the fields the guide's",
    "list examples show), 5 ms latency; bootstrap, a settling refresh, a measured refresh, destroy. Requests counted by the emulator.",
    "",
    "| routes | program | bootstrap requests (per resource) | bootstrap errors | refresh requests | refresh: dropped / changed / errors | destroy requests | destroy: deletes / warnings / errors | left in Veza: profiles (paused) / members |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of rows) {
    out.push(
      `| ${r.routes} | ${r.wiring} | ${r.bootstrap.requests} (${(r.bootstrap.requests / r.resources).toFixed(2)}) | ${r.bootstrap.errors} | ${r.refresh.requests} | ${r.refresh.dropped} / ${r.refresh.changed} / ${r.refresh.errors} | ${r.destroy.requests} | ${r.destroy.deletes} / ${r.destroy.warnings} / ${r.destroy.errors} | ${r.destroy.profilesLeft} (${r.destroy.pausedLeft}) / ${r.destroy.membersLeft} |`,
    );
  }
  out.push("", "Requests by route:", "");
  for (const r of rows) {
    out.push(`- ${r.routes}, ${r.wiring}: bootstrap ${routeList(r.bootstrap.byRoute)}; refresh ${routeList(r.refresh.byRoute)}`);
  }
  return `${out.join("\n")}\n`;
}

if (require.main === module) {
  const command = {
    command: "node dist/bench/real-tenant.js",
    positionals: "[PROFILES]",
    maxPositionals: 1,
    summary: "The real-tenant rows of bench/RESULTS.md, printed as Markdown (PROFILES: 100 by default).",
    options: {},
  } satisfies Command;
  runCommand(command, process.argv.slice(2), async ({ positionals }) => {
    const n = positionals.length ? Number(positionals[0]) : 100;
    if (!Number.isInteger(n) || n < 1) throw new VezaUsageError(`PROFILES must be a whole number >= 1, got "${positionals[0]}"`);
    process.stdout.write(await realTenantSection(n));
  });
}
