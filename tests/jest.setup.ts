/**
 * Every test file: the emulator's routes mode comes from the jest project (jest.config.js `globals`),
 * and the client's keep-alive pools are closed at the end, so no socket outlives its file. The test
 * engine starts each operation's provider process ahead (harness/provider-process.ts); the ones
 * started and not used serve the next file of the same jest worker (VEZA_TEST_START_AHEAD=0 turns that off), and
 * the provider processes reuse V8's compiled code of node_modules, kept in node_modules/.cache
 * (VEZA_TEST_COMPILE_CACHE=0 turns that off).
 */
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
