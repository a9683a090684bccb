/**
 * Fault suite, part 1: rate limiting, ambiguous POSTs, hanging requests. Through the real
 * dynamic-provider server (test engine) against the emulator. Scenarios live in harness/faults.ts.
 */
import { ambiguousPosts, hangs, rateLimited, type FaultReport } from "../../harness/faults";

function expectClean(r: FaultReport): void {
  expect(r.errors).toEqual([]);
  expect(r.failures).toBe(0);
  expect(r.duplicates).toBe(0);
  expect(r.orphans).toBe(0);
  expect(r.ghosts).toBe(0);
  expect(r.serverDiffs).toEqual([]);
  expect(r.tokenLeaks).toEqual([]);
}

test("30% 429 (half Retry-After: 0) + 5% 503 + 20 ms: 40 profiles with versions and memberships, no errors, duplicates or orphans", async () => {
  const r = await rateLimited();
  expectClean(r);
  expect(r.injected["429"]).toBeGreaterThan(20);
  expect(r.injected["503"]).toBeGreaterThan(0);
  expect(r.operations).toBe(123); // the first up creates everything, the no-op up under faults changes nothing
  expect(r.notes[0]).toBe("no-op up under the same faults: 0 updates, 0 creates");
}, 120_000);

test("10% ambiguous POSTs: no duplicates, no orphans", async () => {
  const r = await ambiguousPosts();
  expectClean(r);
  expect(r.injected.ambiguous).toBeGreaterThan(0);
  expect(r.operations).toBe(123);
}, 120_000);

test("hanging requests are abandoned after veza:requestTimeoutMs and retried; up does not hang", async () => {
  const r = await hangs();
  expectClean(r);
  expect(r.injected.hang).toBeGreaterThan(0);
  // every hung request was given up on after 300 ms and sent again
  expect(r.requests).toBeGreaterThanOrEqual(63 + r.injected.hang);
}, 120_000);
