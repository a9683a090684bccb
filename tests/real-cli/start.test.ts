/**
 * `npm start` through the real Pulumi CLI (dist/scripts/start.js): the bootstrap catalog in a local
 * emulator, and the demo's recovery when its folders are removed. Data and state dirs are temp
 * folders; the emulator binds port 0.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describeWithCli } from "./cli";

const REPO = path.resolve(__dirname, "..", "..");
const START = path.join(REPO, "dist", "scripts", "start.js");

describeWithCli("npm start through the real Pulumi CLI", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "veza-start-cli-"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function start(args: string[] = []): Promise<{ code: number; out: string }> {
    const env: Record<string, string> = {};
    const all = { ...process.env, VEZA_URL: undefined, VEZA_API_TOKEN: undefined, VEZA_TOKEN: undefined, VEZA_CATALOG: undefined, PULUMI_FALLBACK: undefined, VEZA_START_DATA_DIR: path.join(dir, "data"), VEZA_START_STATE_DIR: path.join(dir, "state") };
    for (const [k, v] of Object.entries(all)) if (v !== undefined && !k.startsWith("JEST")) env[k] = v;
    return new Promise((resolve) => {
      execFile(process.execPath, [START, ...args], { cwd: REPO, env, timeout: 170_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, out: `${stdout}${stderr}` });
      });
    });
  }

  test("a fresh run creates the catalog with Pulumi's own output and ends with no changes; the token is never printed", async () => {
    const run = await start();
    expect(run.code).toBe(0);
    expect(run.out).not.toContain("fallback");
    expect(run.out).toMatch(/Pulumi CLI v3\.\d+\.\d+/);
    expect(run.out).toMatch(/\+ 29 created/);
    expect(run.out).toMatch(/expect-no-changes[\s\S]*29 unchanged/);
    const token = fs.readFileSync(path.join(dir, "data", "emulator-token"), "utf8").trim();
    expect(run.out).not.toContain(token);
  }, 180_000);

  test("with the emulator's data removed, it refreshes against the emulator it just started and creates the catalog again", async () => {
    fs.rmSync(path.join(dir, "data"), { recursive: true, force: true });
    const run = await start();
    expect(run.code).toBe(0);
    expect(run.out).not.toMatch(/ECONNREFUSED/);
    expect(run.out).toMatch(/pulumi refresh --run-program/);
    expect(run.out).toMatch(/\+ 28 created/);
    expect(run.out).toMatch(/expect-no-changes[\s\S]*29 unchanged/);
  }, 180_000);

  test("with the state removed, it adopts what the tenant holds instead of failing on names that exist", async () => {
    fs.rmSync(path.join(dir, "state"), { recursive: true, force: true });
    const run = await start();
    expect(run.code).toBe(0);
    expect(run.out).not.toMatch(/already exists/);
    expect(run.out).toMatch(/expect-no-changes[\s\S]*29 unchanged/);
  }, 180_000);
});
