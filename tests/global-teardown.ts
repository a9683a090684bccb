/**
 * After every test file: with VEZA_TEST_CPU_LOG=<file> (tests/jest.setup.ts), one line for jest's own
 * process, its CPU seconds for the whole run (global setup, scheduling, reporting; its workers are
 * on the files' lines).
 */
import * as fs from "node:fs";

export default function globalTeardown(): void {
  const cpuLog = process.env.VEZA_TEST_CPU_LOG;
  if (!cpuLog) return;
  const { user, system } = process.cpuUsage();
  // the files' lines' format: total, then self (the same here: its workers are not counted)
  const seconds = ((user + system) / 1e6).toFixed(2);
  fs.appendFileSync(cpuLog, `${seconds} self=${seconds} pid=${process.pid} jest\n`);
}
