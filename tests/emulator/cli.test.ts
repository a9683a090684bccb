/**
 * `npm run emulator -- --data FILE`: says whether the file held a tenant, so a mistyped path (the
 * tenant then starts empty, and an export of it is an empty program) is visible at start.
 * Runs the compiled CLI (npm test builds first); "all" project only (no routes involved).
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROUTES_MODE } from "../resources/helpers";

const CLI = path.resolve(__dirname, "..", "..", "dist", "emulator", "cli.js");
const suite = ROUTES_MODE === "all" ? describe : describe.skip;

/** Starts the emulator CLI, returns its stdout once the `data:` line is printed, then stops it. */
function startAndRead(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, "--host", "127.0.0.1", "--port", "0", "--token", "t", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`no data line within 20 s: ${out}`));
    }, 20_000);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (/^data: .*$/m.test(out)) {
        clearTimeout(timer);
        child.once("exit", () => resolve(out));
        child.kill("SIGTERM");
      }
    });
    child.once("error", reject);
  });
}

suite("emulator CLI --data", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "veza-emu-cli-"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("a file that does not exist: says the tenant starts empty and where it is saved; the next start reads it back", async () => {
    const file = path.join(dir, "tenant.json");
    const first = await startAndRead(["--data", file]);
    expect(first).toContain(
      `data: ${file} did not exist: the tenant starts empty and is saved there (npm start's tenant is .data/emulator.json)`,
    );
    expect(fs.existsSync(file)).toBe(true);
    const second = await startAndRead(["--data", file]);
    expect(second).toContain(`data: ${file} (0 access profile types, 0 access profiles)`);
  }, 60_000);

  test("the usage names the file npm start uses", async () => {
    const res = await new Promise<string>((resolve) => {
      const child = spawn(process.execPath, [CLI, "--bogus"], { stdio: ["ignore", "pipe", "pipe"] });
      let err = "";
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      child.once("exit", () => resolve(err));
    });
    expect(res.replace(/\s+/g, " ")).toContain(
      "--data FILE the tenant, loaded at start and saved on every change (npm start uses .data/emulator.json)",
    );
  }, 30_000);
});
