/**
 * Preloaded into a child process (`NODE_OPTIONS=--require …/peak-rss.js`, `BENCH_PEAK_RSS_DIR=dir`):
 * writes the process's peak resident memory (`process.resourceUsage().maxRSS`, KiB) and its CPU time
 * so far (user + system, ms) to `<dir>/<pid>.rss` every 200 ms, at exit and on SIGTERM, so the bench
 * can read the provider process's figures after the harness or the Pulumi CLI stops it.
 */
import * as fs from "node:fs";
import * as path from "node:path";

const dir = process.env.BENCH_PEAK_RSS_DIR;
if (dir) {
  const file = path.join(dir, `${process.pid}.rss`);
  const write = (): void => {
    try {
      const u = process.resourceUsage();
      fs.writeFileSync(file, `${u.maxRSS} ${Math.round((u.userCPUTime + u.systemCPUTime) / 1000)} ${process.argv.slice(1).join(" ")}\n`);
    } catch {
      /* the directory may be gone at the very end */
    }
  };
  setInterval(write, 200).unref();
  process.once("exit", write);
  process.once("SIGTERM", () => {
    write();
    process.exit(143);
  });
}

/** Peak RSS in MiB and CPU time in ms of every process that wrote to `dir` (the largest RSS first). */
export function readPeaks(dir: string): { pid: number; mib: number; cpuMs: number; command: string }[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".rss"))
    .map((f) => {
      const [kib, cpuMs, ...cmd] = fs.readFileSync(path.join(dir, f), "utf8").trim().split(" ");
      return { pid: Number(f.split(".")[0]), mib: Number(kib) / 1024, cpuMs: Number(cpuMs), command: cmd.join(" ") };
    })
    .sort((a, b) => b.mib - a.mib);
}

/** This file, compiled: what `--require` preloads. */
export const PEAK_RSS_PRELOAD = path.join(__dirname, "peak-rss.js");

/** The env that makes a child process report its peak into `dir`. */
export function peakRssEnv(dir: string): Record<string, string> {
  fs.mkdirSync(dir, { recursive: true });
  return { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${PEAK_RSS_PRELOAD}`.trim(), BENCH_PEAK_RSS_DIR: dir };
}
