/**
 * Every test file: the emulator's routes mode comes from the jest project (jest.config.js `globals`),
 * and the client's keep-alive pools are closed at the end, so no socket outlives its file.
 */
import { closeAllPools } from "../provider/client/client";

for (const key of ["VEZA_EMULATOR_ROUTES", "VEZA_EMULATOR_SHORT_LISTS"] as const) {
  const value = (globalThis as Record<string, unknown>)[key];
  if (typeof value === "string") process.env[key] = value;
}

afterAll(() => closeAllPools());
