/**
 * Every test file: the emulator's routes mode comes from the jest project (jest.config.js `globals`),
 * and the client's keep-alive pools are closed at the end, so no socket outlives its file. The test
 * engine starts each operation's provider process ahead (harness/provider-process.ts); the ones
 * started and not used are stopped at the file's end (VEZA_TEST_START_AHEAD=0 turns that off).
 */
import { closeAllPools } from "../provider/client/client";
import { startProviderProcessesAhead, stopSpareProviderProcesses } from "../harness/provider-process";

// VEZA_TEST_START_AHEAD=0: each operation starts its process on demand, as the CLI does (to compare)
void startProviderProcessesAhead(process.env.VEZA_TEST_START_AHEAD !== "0");

for (const key of ["VEZA_EMULATOR_ROUTES", "VEZA_EMULATOR_SHORT_LISTS"] as const) {
  const value = (globalThis as Record<string, unknown>)[key];
  if (typeof value === "string") process.env[key] = value;
}

afterAll(() => closeAllPools());
afterAll(() => stopSpareProviderProcesses());
