/**
 * The wiring of `npm run bench:scale` (bench/cli-scale.ts, bench/cli-scale-report.ts) without running
 * it: the large tenant's shape (issue 31: one type, N profiles, N versions, N/10 memberships), the
 * program that declares it, the inheritance edit whose impact it measures, and the report's ratios
 * and goals. In-process, no CLI.
 */
import { renderReport, verdict, type CliScaleRun, type PhaseFigures } from "../../bench/cli-scale-report";
import { inheritanceEdit, program, resourceCount, tenantSpec, type Kit } from "../../harness/workload";

/** Resource classes that only record what the program declared. */
function recordingKit(): { kit: Kit; declared: { kind: string; name: string; args: Record<string, unknown> }[] } {
  const declared: { kind: string; name: string; args: Record<string, unknown> }[] = [];
  const cls = (kind: string) =>
    class {
      id: unknown;
      currentVersionNumber: unknown;
      constructor(name: string, args: Record<string, unknown>) {
        declared.push({ kind, name, args });
        this.id = `id-of-${name}`;
        this.currentVersionNumber = 1;
      }
    };
  const kit = {
    AccessProfileType: cls("type"),
    AccessProfile: cls("profile"),
    AccessProfileVersion: cls("version"),
    ProfileMembership: cls("membership"),
  } as unknown as Kit;
  return { kit, declared };
}

describe("the large tenant of bench:scale", () => {
  test("100 profiles: 1 type, 100 profiles, 100 versions, 10 memberships, as resourceCount says", () => {
    const spec = tenantSpec(100);
    const { kit, declared } = recordingKit();
    program(spec, kit, { memberships: "with-members" })();
    const count = (kind: string) => declared.filter((d) => d.kind === kind).length;
    expect([count("type"), count("profile"), count("version"), count("membership")]).toEqual([1, 100, 100, 10]);
    expect(resourceCount(spec, { memberships: "with-members" })).toBe(declared.length);
    // the one type allows inheritance from any type (an empty list, per the API guide)
    expect(declared[0]!.args).toMatchObject({ allowInheritEntities: true, allowInheritedFromTypes: [] });
  });

  test("inheriting profiles name earlier profiles; exactly those have members", () => {
    const spec = tenantSpec(50);
    const index = new Map(spec.profiles.map((p, i) => [p.key, i]));
    for (const [i, p] of spec.profiles.entries()) {
      for (const k of p.inherits) expect(index.get(k)).toBeLessThan(i);
      expect(p.members.length > 0).toBe(p.inherits.length > 0);
    }
    expect(spec.profiles.filter((p) => p.inherits.length).length).toBe(5);
  });

  test("the inheritance edit adds profile 3 to the first inheriting profile's inheritance, nothing else", () => {
    const spec = tenantSpec(30);
    const edited = inheritanceEdit(spec);
    const changed = edited.profiles.filter((p, i) => JSON.stringify(p) !== JSON.stringify(spec.profiles[i]));
    expect(changed.map((p) => [p.key, p.inherits])).toEqual([["00009", ["00008", "00007", "00003"]]]);
    expect(spec.profiles[9]!.inherits).toEqual(["00008", "00007"]);
    expect(() => inheritanceEdit(tenantSpec(5))).toThrow(/no inheriting profile/);
  });
});

describe("the bench:scale report", () => {
  const phase = (wallMs: number, requests: number, providerPeakMiB: number): PhaseFigures => ({
    wallMs,
    requests,
    cpuMs: wallMs / 2,
    providerCpuMs: wallMs / 10,
    providerPeakMiB,
    serverCpuMs: 0,
    exitCode: 0,
  });
  const run = (profiles: number, phases: CliScaleRun["phases"]): CliScaleRun => ({
    profiles,
    resources: profiles * 2.1 + 1,
    latencyMs: 25,
    parallel: "default (8)",
    checkpoints: false,
    cli: "v3.276.0",
    startedAt: "2026-12-07T00:00:00.000Z",
    loadAtStart: [1, 1, 1],
    loadAtEnd: [2, 2, 2],
    cores: 2,
    phases,
    state: { bytes: 2 ** 20, perResourceBytes: 500 },
  });

  test("each goal is judged on its own ratio, time on CPU time", () => {
    const small = phase(10_000, 1_000, 200);
    expect(verdict(phase(105_000, 10_000, 600), small)).toEqual([]);
    expect(verdict(phase(105_002, 10_001, 601), small)).toEqual(["time", "requests", "memory"]);
    // a wall time 20× the smaller run's, at the same CPU time: the machine's load, not a miss
    expect(verdict({ ...phase(105_000, 10_000, 600), wallMs: 200_000 }, small)).toEqual([]);
  });

  test("rows of 10× the profiles sit beside the smaller size's, with ratios and the goals' verdict", () => {
    const md = renderReport([
      run(10_000, { bootstrap: phase(110_000, 10_000, 400), noop: phase(50_000, 0, 300) }),
      run(1_000, { bootstrap: phase(10_000, 1_000, 200), noop: phase(5_000, 0, 150) }),
    ]);
    expect(md).toContain("### 1,000 vs 10,000 profiles, 25 ms, `PULUMI_SKIP_CHECKPOINTS=true`");
    expect(md).toMatch(
      /\| bootstrap \(up\) \| 10\.0 s \| 5\.0 s \| 1\.0 s \| 1000 \| 200 MiB \| 110\.0 s \| 55\.0 s \| 11\.0 s \| 10000 \| 400 MiB \| 11\.0× \| 11\.0× \| 11\.0× \| 10\.0× \| 2\.0× \| missed: time \|/,
    );
    expect(md).toMatch(/\| no-op up \| 5\.0 s .* \| 10\.0× \| 10\.0× \| 10\.0× \| – \| 2\.0× \| met \|/);
    expect(md).toContain("500 bytes per resource");
  });

  test("a phase that failed at either size gets no ratio and no verdict", () => {
    const cut = { ...phase(120_000, 0, 100), exitCode: 1, problem: "exit 1: preview canceled" };
    const md = renderReport([run(1_000, { preview: phase(30_000, 0, 150) }), run(10_000, { preview: cut })]);
    expect(md).toMatch(/\| preview \| 30\.0 s .* \| 120\.0 s \(failed\) .* \| – \| – \| – \| – \| – \| – \|/);
    expect(md).toContain("10,000 profiles, preview: exit 1: preview canceled");
  });

  test("a labelled rerun of a size sits in the same table under its label; a stack-trace limit makes a table of its own", () => {
    const rerun = { ...run(10_000, { refresh: phase(80_000, 101, 500) }), label: "rerun" };
    const limited = { ...run(1_000, { noop: phase(3_000, 0, 150) }), stackTraceLimit: 3 };
    const md = renderReport([
      run(1_000, { refresh: phase(10_000, 11, 200) }),
      run(10_000, { refresh: phase(150_000, 201, 600) }),
      rerun,
      limited,
    ]);
    expect(md).toContain(
      "### 1,000 vs 10,000 vs 10,000 (rerun) profiles, 25 ms, `PULUMI_SKIP_CHECKPOINTS=true`, `--parallel` default (8)\n",
    );
    expect(md).toContain("| 10,000 (rerun): wall |");
    // the rerun's ratios are against the 1,000 run of its table, not the other 10,000 run
    expect(md).toMatch(
      /\| refresh \| 10\.0 s .* \| 80\.0 s \| 40\.0 s \| 8\.0 s \| 101 \| 500 MiB \| 8\.0× \| 8\.0× \| 8\.0× \| 9\.2× \| 2\.5× \| met \|/,
    );
    expect(md).toContain(
      "### 1,000 profiles, 25 ms, `PULUMI_SKIP_CHECKPOINTS=true`, `--parallel` default (8), Node `--stack-trace-limit=3`\n",
    );
  });

  test("a phase's ratios are against the first smaller run that has the phase", () => {
    const bootstrapOnly = { ...run(1_000, { bootstrap: phase(10_000, 1_000, 200) }), label: "quiet" };
    const full = run(1_000, { bootstrap: phase(20_000, 1_000, 200), destroy: phase(4_000, 1_000, 100) });
    const big = { ...run(10_000, { bootstrap: phase(100_000, 10_000, 400), destroy: phase(40_000, 10_000, 200) }), label: "quiet" };
    const md = renderReport([bootstrapOnly, full, big]);
    // bootstrap against the 1,000 run of its label (10×), destroy against the other, the only one with a destroy (10×)
    expect(md).toMatch(
      /\| bootstrap \(up\) \|.* \| 100\.0 s \| 50\.0 s \| 10\.0 s \| 10000 \| 400 MiB \| 10\.0× \| 10\.0× \| 10\.0× \| 10\.0× \| 2\.0× \| met \|/,
    );
    expect(md).toMatch(
      /\| destroy \|.* \| 40\.0 s \| 20\.0 s \| 4\.0 s \| 10000 \| 200 MiB \| 10\.0× \| 10\.0× \| 10\.0× \| 10\.0× \| 2\.0× \| met \|/,
    );
  });

  test("a labelled run's ratios are against a smaller run of the same label where there is one", () => {
    const plain = run(1_000, { bootstrap: phase(10_000, 1_000, 200) });
    const labelled = { ...run(1_000, { bootstrap: phase(5_000, 1_000, 100) }), label: "new" };
    const big = { ...run(10_000, { bootstrap: phase(50_000, 10_000, 200) }), label: "new" };
    const md = renderReport([plain, labelled, big]);
    expect(md).toMatch(/\| 50\.0 s \| 25\.0 s \| 5\.0 s \| 10000 \| 200 MiB \| 10\.0× \| 10\.0× \| 10\.0× \| 10\.0× \| 2\.0× \| met \|/);
  });
});
