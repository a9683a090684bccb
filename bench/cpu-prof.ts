/**
 * Preloaded into a child process (`NODE_OPTIONS=--require …/cpu-prof.js`, `BENCH_CPU_PROF_DIR=dir`):
 * profiles the whole process with the inspector and writes `<dir>/<pid>.cpuprofile` at exit or SIGTERM
 * (open it in Chrome DevTools or read it with bench/cpu-prof-top). Node 20 refuses `--cpu-prof` in
 * NODE_OPTIONS, and the Pulumi CLI starts the program and the provider itself, so a preload is the way in.
 */
import * as fs from "node:fs";
import * as inspector from "node:inspector";
import * as path from "node:path";

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.setSamplingInterval", { interval: 1000 });
  session.post("Profiler.start");
  let written = false;
  const write = (): void => {
    if (written) return;
    written = true;
    // synchronous in effect: the inspector answers before post returns on the main thread
    session.post("Profiler.stop", (err, res) => {
      if (!err) fs.writeFileSync(path.join(dir, `${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  };
  process.once("exit", write);
  process.once("SIGTERM", () => {
    write();
    process.exit(143);
  });
}

/** The functions with the most self time in a .cpuprofile (ms), for a quick look without DevTools. */
export function topSelf(file: string, n = 25): { fn: string; ms: number }[] {
  const p = JSON.parse(fs.readFileSync(file, "utf8")) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const self = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame;
    const key = `${f.functionName || "(anonymous)"} ${f.url.replace(/^.*node_modules\//, "")}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  });
  return [...self.entries()]
    .map(([fn, ms]) => ({ fn, ms }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, n);
}

if (require.main === module) {
  for (const f of process.argv.slice(2)) {
    process.stdout.write(`${f}\n`);
    for (const r of topSelf(f)) process.stdout.write(`${r.ms.toFixed(0).padStart(8)} ms  ${r.fn}\n`);
  }
}
