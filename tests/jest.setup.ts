/**
 * Every test file: the emulator's routes mode comes from the jest project (jest.config.js `globals`),
 * and the client's keep-alive pools are closed at the end, so no socket outlives its file. The test
 * engine starts each operation's provider process ahead (harness/provider-process.ts); the ones
 * started and not used serve the next file of the same jest worker (VEZA_TEST_START_AHEAD=0 turns that off), and
 * the provider processes reuse V8's compiled code of node_modules, kept in node_modules/.cache
 * (VEZA_TEST_COMPILE_CACHE=0 turns that off).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { closeAllPools } from "../provider/client/client";
import { cacheCompiledModules, startProviderProcessesAhead } from "../harness/provider-process";

// VEZA_TEST_START_AHEAD=0: each operation starts its process on demand, as the CLI does (to compare)
void startProviderProcessesAhead(process.env.VEZA_TEST_START_AHEAD !== "0");
// VEZA_TEST_COMPILE_CACHE=0: every provider process compiles its modules, as under the CLI (to compare)
cacheCompiledModules(
  process.env.VEZA_TEST_COMPILE_CACHE === "0" ? undefined : path.join(__dirname, "..", "node_modules", ".cache", "veza-provider-compile"),
);

for (const key of ["VEZA_EMULATOR_ROUTES", "VEZA_EMULATOR_SHORT_LISTS"] as const) {
  const value = (globalThis as Record<string, unknown>)[key];
  if (typeof value === "string") process.env[key] = value;
}

afterAll(() => closeAllPools());

/**
 * VEZA_TEST_CPU_LOG=<file>: one line per test file, appended when it ends: the CPU seconds of this
 * worker and of the processes it started and reaped (provider processes, the real CLI and what it
 * starts), the worker's own, the wall seconds, the worker's pid (how many workers a run started), the
 * routes mode and the file. Linux only
 * (/proc/self/stat); where the suite's time goes, file by file (CONTRIBUTING.md, "Tests"). This
 * hook runs before the file's own afterAll: a process stopped there counts toward the worker's next file.
 */
const cpuLog = process.env.VEZA_TEST_CPU_LOG;
if (cpuLog) {
  // utime, stime, cutime, cstime in clock ticks (100 a second on Linux)
  const ticks = () => fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ").slice(11, 15).map(Number);
  const start = ticks();
  const t0 = Date.now();
  afterAll(() => {
    const [u, s, cu, cs] = ticks().map((t, i) => (t - start[i]) / 100);
    const file = path.relative(path.join(__dirname, ".."), expect.getState().testPath ?? "");
    const mode = process.env.VEZA_EMULATOR_ROUTES ?? "all";
    // before=: the worker's CPU (with its reaped children) when the file began; the gaps between one
    // file's end and the next one's `before` are jest's own work in the worker (boot, environments)
    const before = start.reduce((a, b) => a + b, 0) / 100;
    fs.appendFileSync(
      cpuLog,
      `${(u + s + cu + cs).toFixed(2)} self=${(u + s).toFixed(2)} wall=${((Date.now() - t0) / 1000).toFixed(1)} pid=${process.pid} before=${before.toFixed(2)} ${mode} ${file}\n`,
    );
  });
}
