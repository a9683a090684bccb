/**
 * Bootstrap under a tenant that limits its request rate (a token bucket of 25 requests/s, burst 10,
 * Retry-After 1), through the real dynamic-provider gRPC server: every resource is created, none
 * fails. No timing assertion: the run takes a few seconds by construction.
 */
import { duplicateNames, flatSpec, program, serverVsSpec } from "../../harness/workload";
import * as veza from "../../provider";
import { rig, type Rig } from "../resources/helpers";

let r: Rig | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

test("1 type + 40 profiles + their versions (no versionNumber) under 25 requests/s, burst 10: 0 failed resources", async () => {
  r = await rig({ knobs: { latencyMs: 20, rateLimit: { perSec: 25, burst: 10 } } });
  const spec = flatSpec(40, "ratelimit");
  // versions without versionNumber, as a new user writes them (the case)
  const prog = program(spec, veza as never, { versionNumber: false, memberships: false });
  const e = r.engine({ parallel: 64, opTimeoutMs: 120_000 });
  const up = await e.up(prog);
  expect(up.errors).toEqual([]);
  expect(up.creates).toBe(1 + 2 * 40);
  const st = r.emu.stats();
  expect(st.rateLimited).toBeLessThan(st.total);
  expect(serverVsSpec(spec, r.emu.store)).toEqual([]);
  expect(duplicateNames(r.emu.store)).toEqual([]);

  r.emu.resetStats();
  const again = await e.up(prog);
  expect(again).toMatchObject({ creates: 0, updates: 0, replaces: 0, deletes: 0, errors: [] });
  expect(r.emu.stats().total).toBe(0);
}, 180_000);

test("the same with memberships and versionNumber, X-RateLimit headers on: 0 failed resources", async () => {
  r = await rig({ knobs: { latencyMs: 20, rateLimit: { perSec: 25, burst: 10 }, rateLimitHeaders: "x-ratelimit" } });
  const spec = flatSpec(30, "ratelimit-headers");
  spec.profiles.forEach((p, i) => {
    p.members = [`u-${i}`];
  });
  const e = r.engine({ parallel: 64, opTimeoutMs: 120_000 });
  const up = await e.up(program(spec, veza as never));
  expect(up.errors).toEqual([]);
  expect(up.creates).toBe(1 + 3 * 30);
  expect(serverVsSpec(spec, r.emu.store)).toEqual([]);
}, 180_000);

test.each(["ratelimit", "ratelimit-structured"] as const)(
  "a tenant that sends its policy (%s headers) is paced from them: not one 429, 0 failed resources",
  async (form) => {
    r = await rig({ knobs: { latencyMs: 20, rateLimit: { perSec: 25, burst: 10 }, rateLimitHeaders: form } });
    const spec = flatSpec(30, `ratelimit-${form}`);
    const e = r.engine({ parallel: 64, opTimeoutMs: 120_000 });
    const up = await e.up(program(spec, veza as never));
    expect(up.errors).toEqual([]);
    expect(r.emu.stats().rateLimited).toBe(0);
    expect(serverVsSpec(spec, r.emu.store)).toEqual([]);
  },
  180_000,
);
