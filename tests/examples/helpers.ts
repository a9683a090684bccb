/** Set-up for the example tests: an emulator and an engine wired to it (state in a temp dir). */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type Emulator } from "../../emulator";
import { Engine, type EngineOptions } from "../../harness";
import { CLI_TEST_ENV, NODE_OPTIONS } from "../real-cli/cli";
import { inProcess } from "../support/in-process";

export const TOKEN = "veza-examples-token-DO-NOT-LEAK-5e1f";
export const REPO = path.resolve(__dirname, "..", "..");

export interface ExampleRig {
  emu: Emulator;
  dir: string;
  engine(extra?: EngineOptions): Engine;
  close(): Promise<void>;
}

export async function exampleRig(): Promise<ExampleRig> {
  const emu = await startEmulator({ token: TOKEN });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "veza-examples-"));
  return {
    emu,
    dir,
    engine: (extra: EngineOptions = {}) =>
      new Engine({
        stateFile: path.join(dir, "state.json"),
        // the middle layer (harness/README.md, "Test layers"): the examples are about their programs
        providerHost: inProcess,
        config: { "veza:url": emu.url, "veza:apiToken": TOKEN },
        secretConfigKeys: ["veza:apiToken"],
        env: { VEZA_URL: undefined, VEZA_API_TOKEN: undefined, VEZA_TOKEN: undefined },
        ...extra,
      }),
    close: async () => {
      await emu.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The tenant's names. */
export function tenant(emu: Emulator) {
  return {
    types: emu.store
      .listTypes()
      .map((t) => t.name)
      .sort(),
    profiles: emu.store
      .listProfiles()
      .map((p) => p.name)
      .sort(),
  };
}

/**
 * Runs `npm start` (dist/scripts/start.js) with its data and state in `dir`/data and `dir`/state, no
 * real tenant in the environment, and `env` over that (undefined removes a variable).
 */
export function runStart(
  dir: string,
  o: { env?: Record<string, string | undefined>; args?: string[]; timeoutMs?: number } = {},
): Promise<{ code: number; out: string; ms: number }> {
  const merged: Record<string, string> = {};
  const all = {
    ...process.env,
    VEZA_URL: undefined,
    VEZA_API_TOKEN: undefined,
    VEZA_TOKEN: undefined,
    VEZA_CATALOG: undefined,
    VEZA_START_DATA_DIR: path.join(dir, "data"),
    VEZA_START_STATE_DIR: path.join(dir, "state"),
    // the tests' start-up helpers (tests/real-cli/cli.ts: the same modules, compiled code kept and
    // closure-serialization modules loaded on first use) in npm start and every node process it
    // starts, and the tests' environment for the CLI (CLI_TEST_ENV: GOMAXPROCS=1)
    ...(NODE_OPTIONS ? { NODE_OPTIONS } : {}),
    ...CLI_TEST_ENV,
    ...o.env,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) merged[k] = v;
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(REPO, "dist", "scripts", "start.js"), ...(o.args ?? [])],
      { cwd: REPO, env: merged, timeout: o.timeoutMs ?? 45_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, out: `${stdout}${stderr}`, ms: Date.now() - t0 });
      },
    );
  });
}
