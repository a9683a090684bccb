/**
 * The request log (VEZA_LOG / veza:logLevel) on the provider process's stderr, through the test
 * engine: one line per attempt at debug, retries only at info, nothing by default. Never the token,
 * the Authorization header or bodies.
 */
import { rig, TOKEN, type Rig } from "../resources/helpers";
import { CLEAN_ENV, smallStack } from "./helpers";

let r: Rig;
afterEach(async () => {
  await r?.close();
});

const veza = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("[veza] "));
const ATTEMPT =
  /^\[veza\] (GET|POST|PUT|PATCH|DELETE) (\S+) (\/api\/private\/lifecycle_management\/\S*) -> (\d{3}|not sent|no response \(\S+\)) (\d+)ms attempt (\d+)( retry of (HTTP \d{3}|\S+))?( request-id ([0-9a-f-]{36}))?$/;

/** Strings that must never be logged: the token, the header, and values that only travel in bodies. */
function expectNothingSecret(stderr: string): void {
  expect(stderr).not.toContain(TOKEN);
  expect(stderr.toLowerCase()).not.toContain("authorization");
  expect(stderr.toLowerCase()).not.toContain("bearer");
  for (const bodyOnly of ["Net Profile", "Net Type", "00G-net", "net-user@example.com"]) expect(stderr).not.toContain(bodyOnly);
}

test("VEZA_LOG=debug: one line per attempt for every request kind (up, refresh, destroy), retries say why; never the token or a body", async () => {
  r = await rig({ knobs: { rate429: 0.3, retryAfterFraction: 1, retryAfter: "0" } });
  const e = r.engine({ config: { "veza:maxRetries": "30" }, env: { ...CLEAN_ENV, VEZA_LOG: "debug" } });
  const lines: string[] = [];
  const methods = new Set<string>();
  for (const op of [() => e.up(smallStack()), () => e.refresh(), () => e.destroy()]) {
    r.emu.resetStats();
    const s = await op();
    expect(s.errors).toEqual([]);
    expectNothingSecret(s.stderr);
    const attempts = veza(s.stderr).filter((l) => !l.startsWith("[veza] retry "));
    expect(attempts.length).toBe(r.emu.stats().total); // one line per request the server received
    for (const l of attempts) {
      const m = ATTEMPT.exec(l);
      expect(m).not.toBeNull();
      methods.add(m![1]!);
      if (/^\d{3}$/.test(m![4]!)) expect(m![10]).toMatch(/^[0-9a-f-]{36}$/); // the server's x-request-id
    }
    lines.push(...veza(s.stderr));
  }
  expect([...methods].sort()).toEqual(["DELETE", "GET", "PATCH", "POST", "PUT"]);
  // retried attempts: the 429 line, the info line about the wait, and the next attempt saying what it retries
  const limited = lines.filter((l) => / -> 429 /.test(l));
  expect(limited.length).toBeGreaterThan(0);
  expect(lines.filter((l) => /retry of HTTP 429/.test(l)).length).toBe(limited.length);
  expect(lines.filter((l) => /^\[veza\] retry \S+ \S+ after attempt \d+ \(HTTP 429\), waiting \d+ms$/.test(l)).length).toBe(limited.length);
  expect(lines).toContainEqual(
    expect.stringMatching(
      /^\[veza\] POST access_profiles_types \/api\/private\/lifecycle_management\/access_profiles_types -> 200 \d+ms attempt \d+/,
    ),
  );
  expect(lines).toContainEqual(
    expect.stringMatching(
      /^\[veza\] PATCH access_profiles\/\{id\}\/versions\/\{version\} \/api\/private\/lifecycle_management\/access_profiles\/[^/]+\/versions\/1 -> 200/,
    ),
  );
}, 120_000);

test("veza:logLevel=info: only the retries; off by default: nothing", async () => {
  r = await rig({ knobs: { rate429: 0.6, retryAfterFraction: 1, retryAfter: "0" } });
  // off (the default): retries happen, nothing is logged
  const off = await r.engine({ config: { "veza:maxRetries": "30" }, env: { ...CLEAN_ENV } }).up(smallStack());
  expect(off.errors).toEqual([]);
  expect(r.emu.stats().byStatus["429"]).toBeGreaterThan(0);
  expect(off.stderr).not.toContain("[veza]");
  // destroy configures the provider from the config saved by that up (as the CLI does): still off
  expect((await r.engine({ config: { "veza:maxRetries": "30" }, env: { ...CLEAN_ENV } }).destroy()).errors).toEqual([]);

  r.emu.resetStats();
  r.emu.setKnobs({ rate429: 0.3 });
  const info = await r.engine({ config: { "veza:maxRetries": "30", "veza:logLevel": "info" }, env: { ...CLEAN_ENV } }).up(smallStack());
  expect(info.errors).toEqual([]);
  const lines = veza(info.stderr);
  expect(lines.length).toBe(r.emu.stats().byStatus["429"]);
  for (const l of lines)
    expect(l).toMatch(/^\[veza\] retry (GET|POST|PUT|PATCH|DELETE) \S+ after attempt \d+ \(HTTP 429\), waiting \d+ms$/);
  expectNothingSecret(info.stderr);
}, 120_000);

test("a log level other than off, info, debug fails naming the key and the allowed values", async () => {
  r = await rig();
  const up = await r.engine({ config: { "veza:logLevel": "verbose" }, env: { ...CLEAN_ENV } }).up(smallStack());
  expect(up.errors.map((e) => e.message).join("\n")).toContain(
    'config "veza:logLevel" or environment variable VEZA_LOG must be one of off, info, debug, got "verbose"',
  );
  expect(r.emu.stats().total).toBe(0);
}, 120_000);
