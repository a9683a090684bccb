/**
 * Fault scenarios against the emulator through the test engine. Each returns a report of what was
 * injected and what came out (failures, duplicates, orphans, token leaks); the jest suite in
 * the jest fault suite asserts on them and `npm run bench` / `npm run soak` print them in bench/RESULTS.md.
 */
import type { EmulatorStats, KnobsPatch } from "../emulator";
import type { Engine, Summary } from "./index";
import { BENCH_TOKEN, kitFor, makeRig, type Flavor, type Rig } from "./rig";
import { bootstrapSpec, duplicateNames, mutate, program, rng, serverVsSpec, stateVsServer, type Spec } from "./workload";

export interface FaultReport {
  scenario: string;
  flavor: Flavor;
  /** Faults the emulator injected (429, 503, ambiguous POSTs, hangs, plus scenario-specific ones). */
  injected: Record<string, number>;
  /** Resource operations the engine performed (creates + updates + replaces + deletes), all `up`s. */
  operations: number;
  /** Errors reported by the engine, all `up`s. */
  failures: number;
  /** Failures the scenario expects (server death, expired token); the rest is a bug. */
  expectedFailures: boolean;
  duplicates: number;
  orphans: number;
  ghosts: number;
  /** Differences between the server and the last program after the final `up`. */
  serverDiffs: string[];
  requests: number;
  wallMs: number;
  /** Places the token was found (state, summaries, error messages). */
  tokenLeaks: string[];
  notes: string[];
  errors: string[];
}

function addFaults(into: Record<string, number>, st: EmulatorStats): void {
  for (const [k, v] of Object.entries(st.faults)) into[k] = (into[k] ?? 0) + v;
}

class Tally {
  operations = 0;
  failures = 0;
  requests = 0;
  injected: Record<string, number> = {};
  errors: string[] = [];
  tokenLeaks: string[] = [];
  summaries: Summary[] = [];

  take(label: string, s: Summary, rig: Rig): Summary {
    this.summaries.push(s);
    this.operations += s.creates + s.updates + s.replaces + s.deletes;
    this.failures += s.errors.length;
    for (const e of s.errors) this.errors.push(`${label}: ${e.name}: ${e.message}`.slice(0, 400));
    const st = rig.emu.stats();
    this.requests += st.total;
    addFaults(this.injected, st);
    rig.emu.resetStats();
    if (JSON.stringify(s).includes(BENCH_TOKEN)) this.tokenLeaks.push(`${label}: summary (errors/stderr/outputs)`);
    return s;
  }

  report(
    scenario: string,
    flavor: Flavor,
    rig: Rig,
    engine: Engine,
    spec: Spec,
    t0: number,
    expectedFailures: boolean,
    notes: string[] = [],
  ): FaultReport {
    const check = stateVsServer(engine.state(), rig.emu.store);
    if (engine.stateText().includes(BENCH_TOKEN)) this.tokenLeaks.push("state");
    return {
      scenario,
      flavor,
      injected: this.injected,
      operations: this.operations,
      failures: this.failures,
      expectedFailures,
      duplicates: duplicateNames(rig.emu.store).length,
      orphans: check.orphans.length,
      ghosts: check.ghosts.length,
      serverDiffs: serverVsSpec(spec, rig.emu.store),
      requests: this.requests,
      wallMs: Math.round(performance.now() - t0),
      tokenLeaks: this.tokenLeaks,
      notes,
      errors: this.errors.slice(0, 10),
    };
  }
}

export interface ScenarioOptions {
  flavor?: Flavor;
  seed?: number;
  profiles?: number;
}

/** 30% 429 (half with Retry-After: 0) + 5% 503 + 20 ms latency: one `up` of N profiles, then a no-op `up` with faults still on. */
export async function rateLimited(o: ScenarioOptions = {}): Promise<FaultReport> {
  const flavor = o.flavor ?? "ours";
  const knobs: KnobsPatch = { latencyMs: 20, rate429: 0.3, retryAfterFraction: 0.5, retryAfter: "0", rate503: 0.05 };
  // 7 attempts fail together with p = 0.335^7 ≈ 5e-4 per call: over ~120 calls that is a real chance, so allow 10 retries.
  const rig = await makeRig({ flavor, seed: o.seed ?? 11, knobs, config: { "veza:maxRetries": "10" } });
  try {
    const spec = bootstrapSpec(o.profiles ?? 40, "faults");
    const engine = rig.engine();
    const t = new Tally();
    const t0 = performance.now();
    t.take("up", await engine.up(program(spec, kitFor(flavor))), rig);
    const again = t.take("no-op up", await engine.up(program(spec, kitFor(flavor))), rig);
    const notes = [`no-op up under the same faults: ${again.updates} updates, ${again.creates} creates`];
    return t.report("429 30% (half Retry-After: 0) + 503 5% + 20 ms", flavor, rig, engine, spec, t0, false, notes);
  } finally {
    await rig.close();
  }
}

/** 10% of POSTs are committed and their connection dropped without an answer. */
export async function ambiguousPosts(o: ScenarioOptions = {}): Promise<FaultReport> {
  const flavor = o.flavor ?? "ours";
  const rig = await makeRig({ flavor, seed: o.seed ?? 12, knobs: { latencyMs: 5, ambiguousPostRate: 0.1 } });
  try {
    const spec = bootstrapSpec(o.profiles ?? 40, "ambiguous");
    const engine = rig.engine();
    const t = new Tally();
    const t0 = performance.now();
    t.take("up", await engine.up(program(spec, kitFor(flavor))), rig);
    return t.report("ambiguous POST 10%", flavor, rig, engine, spec, t0, false);
  } finally {
    await rig.close();
  }
}

/**
 * The server dies after K requests mid-`up` (every socket destroyed, nothing answered after). The
 * tenant survives in its data file; a new server is started on it (new URL) and `up` runs again.
 */
export async function serverDeath(
  o: ScenarioOptions & { afterRequests?: number } = {},
): Promise<FaultReport & { firstUpErrors: number; secondUpErrors: number }> {
  const flavor = o.flavor ?? "ours";
  const k = o.afterRequests ?? 60;
  const rig = await makeRig({
    flavor,
    seed: o.seed ?? 13,
    persist: true,
    knobs: { latencyMs: 5, failAfterRequests: k },
    config: { "veza:maxRetries": "2" },
  });
  try {
    const spec = bootstrapSpec(o.profiles ?? 40, "death");
    const t = new Tally();
    const t0 = performance.now();
    const first = t.take("up (server dies)", await rig.engine().up(program(spec, kitFor(flavor))), rig);
    await rig.restart({ latencyMs: 5 });
    const engine = rig.engine(); // the new URL
    const afterDeath = stateVsServer(engine.state(), rig.emu.store);
    const inState = engine.state().resources.filter((r) => r.id && /^[tpvm]-/.test(r.name)).length;
    const second = t.take("up (restarted server)", await engine.up(program(spec, kitFor(flavor))), rig);
    const notes = [
      `server died after ${k} requests; first up: ${first.errors.length} errors, ${first.creates} creates; ${inState} resources in state`,
      `after restart, before the second up: ${afterDeath.orphans.length} orphans, ${afterDeath.ghosts.length} ghosts`,
      `second up: ${second.errors.length} errors, ${second.creates} creates, ${second.updates} updates`,
    ];
    const rep = t.report(`server dies after ${k} requests, restarted`, flavor, rig, engine, spec, t0, true, notes);
    rep.injected.serverDeath = 1;
    // orphans right after the crash are what matters (the second up could adopt nothing: no adoptExisting)
    rep.orphans = Math.max(rep.orphans, afterDeath.orphans.length);
    return Object.assign(rep, { firstUpErrors: first.errors.length, secondUpErrors: second.errors.length });
  } finally {
    await rig.close();
  }
}

/** 5% of requests hang forever; `veza:requestTimeoutMs` is 300 ms. `up` must finish. */
export async function hangs(o: ScenarioOptions = {}): Promise<FaultReport> {
  const flavor = o.flavor ?? "ours";
  const rig = await makeRig({
    flavor,
    seed: o.seed ?? 14,
    knobs: { latencyMs: 5, hangRate: 0.05 },
    config: { "veza:requestTimeoutMs": "300", "veza:maxRetries": "8" },
  });
  try {
    const spec = bootstrapSpec(o.profiles ?? 20, "hang");
    const engine = rig.engine({ opTimeoutMs: 60_000, callTimeoutMs: 30_000 });
    const t = new Tally();
    const t0 = performance.now();
    t.take("up", await engine.up(program(spec, kitFor(flavor))), rig);
    return t.report("5% of requests hang, timeout 300 ms", flavor, rig, engine, spec, t0, false);
  } finally {
    await rig.close();
  }
}

/** Every request after K gets 401. The `up` fails fast, says the token is invalid or expired, retries nothing. */
export async function tokenExpiry(
  o: ScenarioOptions & { afterRequests?: number } = {},
): Promise<FaultReport & { unauthorized: number; unauthorizedResources: number; messageOk: boolean }> {
  const flavor = o.flavor ?? "ours";
  const k = o.afterRequests ?? 30;
  const rig = await makeRig({ flavor, seed: o.seed ?? 15, knobs: { latencyMs: 5, invalidTokenAfterRequests: k } });
  try {
    const spec = bootstrapSpec(o.profiles ?? 40, "expiry");
    const engine = rig.engine();
    const t = new Tally();
    const t0 = performance.now();
    const st0 = rig.emu;
    const s = await engine.up(program(spec, kitFor(flavor)));
    const unauthorized = st0.stats().byStatus["401"] ?? 0;
    t.take("up", s, rig);
    const failed = s.errors.filter((e) => !/^skipped: depends on failed resource/.test(e.message));
    const messageOk = failed.length > 0 && failed.every((e) => /invalid or expired/i.test(e.message));
    const rep = t.report(`401 after ${k} requests`, flavor, rig, engine, spec, t0, true, [
      `${unauthorized} requests answered 401 for ${failed.length} failed resources (the rest skipped as dependents)`,
    ]);
    rep.injected["401"] = unauthorized;
    return Object.assign(rep, { unauthorized, unauthorizedResources: failed.length, messageOk });
  } finally {
    await rig.close();
  }
}

/**
 * Random create/update/delete cycles of a generated program with faults on; after every `up` the
 * server must match that program exactly. Bounded by `cycles` and `deadlineMs`.
 */
export async function soak(
  o: ScenarioOptions & {
    cycles?: number;
    deadlineMs?: number;
    knobs?: KnobsPatch;
    maxProfiles?: number;
    destroyAtEnd?: boolean;
    log?: (line: string) => void;
  } = {},
): Promise<FaultReport & { cycles: number; cyclesMismatched: number; destroyErrors: number; leftAfterDestroy: number }> {
  const flavor = o.flavor ?? "ours";
  const seed = o.seed ?? 21;
  const knobs: KnobsPatch = o.knobs ?? {
    latencyMs: 5,
    rate429: 0.1,
    retryAfterFraction: 0.5,
    retryAfter: "0",
    rate503: 0.03,
    ambiguousPostRate: 0.05,
  };
  const rig = await makeRig({ flavor, seed, knobs, config: { "veza:maxRetries": "10" } });
  try {
    const random = rng(seed);
    const serial = { next: 0 };
    const base = bootstrapSpec(6, "soak");
    let spec: Spec = base;
    const engine = rig.engine();
    const t = new Tally();
    const t0 = performance.now();
    const deadline = t0 + (o.deadlineMs ?? 60_000);
    const maxCycles = o.cycles ?? 5;
    let cycles = 0;
    let mismatched = 0;
    let created = 0;
    let deleted = 0;
    let updated = 0;
    for (; cycles < maxCycles && performance.now() < deadline; cycles++) {
      if (cycles > 0) {
        const m = mutate(spec, random, serial, o.maxProfiles ?? 30);
        spec = m.spec;
        created += m.changes.created;
        deleted += m.changes.deleted;
        updated += m.changes.updated;
      }
      const s = t.take(`cycle ${cycles}`, await engine.up(program(spec, kitFor(flavor))), rig);
      const diffs = serverVsSpec(spec, rig.emu.store);
      if (diffs.length) mismatched++;
      o.log?.(
        `cycle ${cycles}: ${spec.profiles.length} profiles; +${s.creates} ~${s.updates} -${s.deletes} ±${s.replaces}; ${s.errors.length} errors; ${diffs.length} differences`,
      );
      if (diffs.length || s.errors.length)
        o.log?.(`  ${[...s.errors.map((e) => `${e.name}: ${e.message}`), ...diffs].slice(0, 5).join("\n  ")}`);
    }
    const rep = t.report(
      `soak: random changes with 429 ${knobs.rate429 ?? 0}, 503 ${knobs.rate503 ?? 0}, ambiguous POST ${knobs.ambiguousPostRate ?? 0}`,
      flavor,
      rig,
      engine,
      spec,
      t0,
      false,
      [
        `${cycles} cycles; program changes: ${created} profiles added, ${deleted} removed, ${updated} edits; ${mismatched} cycles where the server differed from the program`,
      ],
    );
    let destroyErrors = 0;
    let leftAfterDestroy = 0;
    if (o.destroyAtEnd) {
      const d = await engine.destroy();
      destroyErrors = d.errors.length;
      leftAfterDestroy = rig.emu.store.listTypes().length + rig.emu.store.listProfiles().length;
      const st = rig.emu.stats();
      rep.requests += st.total;
      rep.operations += d.deletes;
      addFaults(rep.injected, st);
      if (JSON.stringify(d).includes(BENCH_TOKEN)) rep.tokenLeaks.push("destroy summary");
      rep.errors.push(...d.errors.map((e) => `destroy: ${e.name}: ${e.message}`.slice(0, 400)));
      rep.notes.push(
        `destroy under the same faults: ${d.deletes} deletes, ${d.errors.length} errors, ${leftAfterDestroy} objects left on the server`,
      );
      o.log?.(rep.notes[rep.notes.length - 1]);
    }
    return Object.assign(rep, { cycles, cyclesMismatched: mismatched, destroyErrors, leftAfterDestroy });
  } finally {
    await rig.close();
  }
}
