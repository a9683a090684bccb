/**
 * Bootstrap under a tenant's rate limit: the emulator's token bucket (`rateLimit` knob: `perSec`,
 * burst 10, `Retry-After` in whole seconds) with 20 ms latency, for the adaptive limiter, the fixed cap
 * of earlier releases (`veza:adaptivePacing false`) and the baseline provider. Measures the bootstrap
 * (wall, requests, 429s, failures) and the same stack's 0-request preview, for the ideal
 * "minimum requests / rate + preview".
 */
import type { RateLimitHeaderForm } from "../emulator/knobs";
import { kitFor, makeRig, type Flavor } from "../harness/rig";
import { bootstrapSpec, duplicateNames, program, resourceCount, serverVsSpec, type ProgramOptions } from "../harness/workload";

export type Pacing = "adaptive" | "fixed" | "baseline";

export interface RateRun {
  pacing: Pacing;
  perSec: number;
  burst: number;
  resources: number;
  wallMs: number;
  previewMs: number;
  requests: number;
  /** Requests the bucket answered 429. */
  limited: number;
  failed: number;
  creates: number;
  serverDiffs: number;
  duplicates: number;
  firstError?: string;
  peakInFlight: number;
}

export interface RateOptions {
  profiles?: number;
  latencyMs?: number;
  burst?: number;
  program?: ProgramOptions;
  /** X-RateLimit-* / RateLimit-* headers from the emulator (default none). */
  headers?: RateLimitHeaderForm;
}

export async function rateRun(pacing: Pacing, perSec: number, seed: number, o: RateOptions = {}): Promise<RateRun> {
  const flavor: Flavor = pacing === "baseline" ? "baseline" : "ours";
  const burst = o.burst ?? 10;
  const rig = await makeRig({
    flavor,
    seed,
    knobs: { latencyMs: o.latencyMs ?? 20, rateLimit: { perSec, burst }, rateLimitHeaders: o.headers ?? "none" },
    config: pacing === "fixed" ? { "veza:adaptivePacing": "false" } : {},
  });
  try {
    const spec = bootstrapSpec(o.profiles ?? 100, `rate${perSec}`);
    const prog = program(spec, kitFor(flavor), o.program);
    const engine = rig.engine({}, "throttled");
    const t0 = performance.now();
    const up = await engine.up(prog);
    const wallMs = performance.now() - t0;
    const st = rig.emu.stats();
    rig.emu.resetStats();
    const t1 = performance.now();
    await engine.preview(prog);
    const previewMs = performance.now() - t1;
    const failed = up.errors.length;
    return {
      pacing,
      perSec,
      burst,
      resources: resourceCount(spec, o.program),
      wallMs,
      previewMs,
      requests: st.total,
      limited: st.rateLimited,
      failed,
      creates: up.creates,
      serverDiffs: serverVsSpec(spec, rig.emu.store).length,
      duplicates: duplicateNames(rig.emu.store).length,
      ...(failed ? { firstError: `${up.errors[0].name}: ${up.errors[0].message}`.slice(0, 200) } : {}),
      peakInFlight: st.peakInFlight,
    };
  } finally {
    await rig.close();
  }
}

/** The ideal of the issue: the minimum requests (one per resource) at the bucket's rate, plus the same stack's 0-request preview. */
export const idealMs = (r: RateRun): number => (r.resources / r.perSec) * 1000 + r.previewMs;
