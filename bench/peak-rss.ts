/**
 * Preloaded into a child process (`NODE_OPTIONS=--require …/peak-rss.js`, `BENCH_PEAK_RSS_DIR=dir`):
 * writes the process's peak resident memory (`process.resourceUsage().maxRSS`, KiB) to
 * `<dir>/<pid>.rss` every 200 ms, at exit and on SIGTERM, so the bench can read the provider
 * process's peak after the harness stops it.
 */
import * as fs from "node:fs";
import * as path from "node:path";

const dir = process.env.BENCH_PEAK_RSS_DIR;
if (dir) {
  const file = path.join(dir, `${process.pid}.rss`);
  const write = (): void => {
    try {
      fs.writeFileSync(file, `${process.resourceUsage().maxRSS} ${process.argv.slice(1).join(" ")}\n`);
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

/** Peak RSS in MiB of every process that wrote to `dir` (the largest first). */
export function readPeaks(dir: string): { pid: number; mib: number; command: string }[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".rss"))
    .map((f) => {
      const [kib, ...cmd] = fs.readFileSync(path.join(dir, f), "utf8").trim().split(" ");
      return { pid: Number(f.split(".")[0]), mib: Number(kib) / 1024, command: cmd.join(" ") };
    })
    .sort((a, b) => b.mib - a.mib);
}

/** The env that makes a child process report its peak into `dir`. */
export function peakRssEnv(dir: string): Record<string, string> {
  fs.mkdirSync(dir, { recursive: true });
  const preload = path.join(__dirname, "peak-rss.js");
  return { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${preload}`.trim(), BENCH_PEAK_RSS_DIR: dir };
}
