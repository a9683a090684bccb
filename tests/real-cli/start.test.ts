/**
 * `npm start` through the real Pulumi CLI (dist/scripts/start.js): the bootstrap catalog in a local
 * emulator, and the demo's recovery when its folders are removed. Data and state dirs are temp
 * folders; the emulator binds port 0.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runStart } from "../examples/helpers";
import { describeWithCli } from "./cli";

describeWithCli("npm start through the real Pulumi CLI", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "veza-start-cli-"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  // the real CLI (no fallback); jest's worker variables stay out of the program
  const start = () =>
    runStart(dir, {
      env: {
        PULUMI_FALLBACK: undefined,
        ...Object.fromEntries(
          Object.keys(process.env)
            .filter((k) => k.startsWith("JEST"))
            .map((k) => [k, undefined]),
        ),
      },
      timeoutMs: 170_000,
    });

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
