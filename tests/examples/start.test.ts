/**
 * `npm start` (dist/scripts/start.js) end to end through its fallback path (the in-repo test engine):
 * its data and state dirs point at a temp folder; PULUMI_FALLBACK=1 skips the CLI probe so the test
 * does the same on machines that have a Pulumi CLI. Needs `npm run build` first (npm test does it).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator } from "../../emulator";
import { REPO, runStart, tenant } from "./helpers";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "veza-start-"));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** npm start through the fallback unless a test says otherwise (PULUMI_FALLBACK=1: no CLI probe). */
const start = (env: Record<string, string | undefined> = {}) => runStart(dir, { env: { PULUMI_FALLBACK: "1", ...env } });

test("a fresh run creates the catalog in the local emulator and lists the ids; a second run reports no changes; the token is never printed", async () => {
  const first = await start();
  expect(first.out).toContain("[fallback: in-repo test engine, not the Pulumi CLI]");
  expect(first.out).toContain("curl -fsSL https://get.pulumi.com | sh");
  expect(first.code).toBe(0);
  expect(first.out).toMatch(/plan: 28 to create/);
  expect(first.out).toMatch(/result: 28 created/);
  expect(first.out).toMatch(/Account Executive\s+[0-9a-f-]{36}\n/);
  expect(first.out).toMatch(/Finance Analyst\s+[0-9a-f-]{36}\/versions\/1\/members/);
  expect(first.out).toMatch(/no changes: 28 resources unchanged/);

  const token = fs.readFileSync(path.join(dir, "data", "emulator-token"), "utf8").trim();
  expect(token.length).toBeGreaterThan(20);
  expect(first.out).not.toContain(token);
  expect(fs.readFileSync(path.join(dir, "state", "fallback-state.json"), "utf8")).not.toContain(token);

  const second = await start();
  expect(second.code).toBe(0);
  expect(second.out).toMatch(/13 objects from earlier runs/);
  expect(second.out).toMatch(/plan: no changes \(28 unchanged\)/);
  expect(second.out).toMatch(/result: 28 unchanged/);
  expect(second.out).not.toContain(token);
  console.log(`npm start (fallback): first run ${first.ms} ms, second run ${second.ms} ms`);
});

test("with VEZA_URL and VEZA_API_TOKEN set it uses that tenant and starts no emulator", async () => {
  const token = "tenant-token-DO-NOT-PRINT-7d1c";
  const emu = await startEmulator({ token });
  try {
    const run = await start({ VEZA_URL: emu.url, VEZA_API_TOKEN: token });
    expect(run.out).toContain(`Veza tenant ${emu.url} (from VEZA_URL); the local emulator is not started`);
    expect(run.code).toBe(0);
    expect(run.out).not.toContain(token);
    expect(tenant(emu).types).toEqual(["Business Role", "Profile"]);
    expect(tenant(emu).profiles).toHaveLength(11);
    expect(fs.existsSync(path.join(dir, "data"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "state", "fallback-state-tenant.json"))).toBe(true);
  } finally {
    await emu.close();
  }
});

test("a catalog with a mistake stops before the emulator starts or any request, naming the line", async () => {
  const bad = path.join(dir, "catalog.yaml");
  fs.writeFileSync(
    bad,
    fs.readFileSync(path.join(REPO, "examples", "bootstrap", "catalog.yaml"), "utf8").replace("type: Business Role", "type: Busines Role"),
  );
  const run = await start({ VEZA_CATALOG: bad });
  expect(run.code).toBe(1);
  expect(run.out).toMatch(/catalog\.yaml:\d+:11 profiles\[8\] "Account Executive" type: type "Busines Role" is not defined in types/);
  expect(fs.existsSync(path.join(dir, "data"))).toBe(false);
  expect(fs.existsSync(path.join(dir, "state"))).toBe(false);
});

test("with a Pulumi CLI on PATH (VEZA_PULUMI_CLI=path): file backend, stack local, config set (token through stdin only), up --yes, preview --expect-no-changes", async () => {
  // a stand-in `pulumi` that records its arguments, stdin and backend settings
  const bin = path.join(dir, "bin");
  const log = path.join(dir, "calls.jsonl");
  fs.mkdirSync(bin);
  fs.writeFileSync(
    path.join(bin, "pulumi"),
    `#!${process.execPath}
const fs = require("fs");
const args = process.argv.slice(2);
if (args[0] === "version") { console.log("v3.999.0"); process.exit(0); }
let stdin = "";
try { if (!process.stdin.isTTY) stdin = fs.readFileSync(0, "utf8"); } catch {}
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ args, stdin, backend: process.env.PULUMI_BACKEND_URL, passphrase: !!process.env.PULUMI_CONFIG_PASSPHRASE }) + "\\n");
process.exit(0);
`,
    { mode: 0o755 },
  );
  const run = await start({
    PULUMI_FALLBACK: undefined,
    VEZA_PULUMI_CLI: "path",
    PATH: `${bin}${path.delimiter}${path.dirname(process.execPath)}`,
  });
  expect(run.code).toBe(0);
  expect(run.out).toContain("Pulumi CLI v3.999.0");
  expect(run.out).not.toContain("[fallback");
  const calls = fs
    .readFileSync(log, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { args: string[]; stdin: string; backend: string; passphrase: boolean });
  expect(calls.map((c) => c.args.slice(0, 3).join(" "))).toEqual([
    "stack select local",
    "config set-all --plaintext",
    "config set --secret",
    // a fresh emulator's tenant is empty: does the state track anything?
    "stack export --stack",
    "preview --json --show-sames",
    "up --yes --skip-preview",
    "preview --expect-no-changes --suppress-outputs",
  ]);
  const token = fs.readFileSync(path.join(dir, "data", "emulator-token"), "utf8").trim();
  for (const c of calls) {
    expect(c.backend).toBe(`file://${path.join(dir, "state")}`);
    expect(c.passphrase).toBe(true);
    expect(c.args.join(" ")).not.toContain(token);
  }
  expect(calls[0]!.args.slice(0, 6)).toEqual(["stack", "select", "local", "--create", "--secrets-provider", "passphrase"]);
  expect(calls[2]!.args).toContain("veza:apiToken");
  expect(calls[2]!.stdin).toBe(token);
  expect(calls[1]!.args.slice(2, 6)).toEqual([
    "--plaintext",
    expect.stringMatching(/^veza:url=http:\/\/127\.0\.0\.1:\d+$/),
    "--plaintext",
    "adoptExisting=true",
  ]);
  expect(run.out).not.toContain(token);
});
