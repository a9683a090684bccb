/**
 * `npm run soak [-- --minutes N] [--seed S] [--out FILE]`: random create/update/delete cycles of a
 * generated program against the emulator with faults on (429, 503, ambiguous POSTs), for N minutes
 * (default 3, at most 10; more is refused, not clamped). After every `up` the server must match that program exactly; at the end a
 * destroy must leave the tenant empty. Writes the soak section of bench/RESULTS.md; exits 1 on any
 * failure, duplicate, orphan or difference.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { soak } from "../harness/faults";
import { table } from "./stats";
import { parseOrExit } from "../provider/command-line";
import { SOAK_COMMAND } from "./options";

const parsed = parseOrExit(SOAK_COMMAND, process.argv.slice(2), process);
if (typeof parsed === "number") process.exit(parsed);
const MINUTES = parsed.values.minutes;
const SEED = parsed.values.seed ?? Date.now() % 100_000;
const OUT = parsed.values.out ?? path.join(__dirname, "..", "..", "bench", "RESULTS.md");
const START = "<!-- soak:start -->";
const END = "<!-- soak:end -->";

async function main(): Promise<number> {
  const knobs = { latencyMs: 5, rate429: 0.15, retryAfterFraction: 0.5, retryAfter: "0", rate503: 0.05, ambiguousPostRate: 0.1 };
  process.stderr.write(`[soak] ${MINUTES} min, seed ${SEED}, faults ${JSON.stringify(knobs)}\n`);
  const r = await soak({
    seed: SEED,
    cycles: 100_000,
    deadlineMs: MINUTES * 60_000,
    knobs,
    maxProfiles: 40,
    destroyAtEnd: true,
    log: (l) => process.stderr.write(`[soak] ${l}\n`),
  });
  const ok =
    r.failures === 0 &&
    r.duplicates === 0 &&
    r.orphans === 0 &&
    r.ghosts === 0 &&
    r.cyclesMismatched === 0 &&
    r.serverDiffs.length === 0 &&
    r.tokenLeaks.length === 0 &&
    r.destroyErrors === 0 &&
    r.leftAfterDestroy === 0;
  const section = `${START}
## Soak

\`npm run soak -- --minutes ${MINUTES} --seed ${SEED}\` (${new Date().toISOString()}): ${r.notes.join("; ")}.
Faults on throughout: ${Object.entries(knobs)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ")} (\`veza:maxRetries\` 10).

${table(
  [
    "cycles",
    "faults injected",
    "resource operations",
    "failures",
    "duplicates",
    "orphans",
    "cycles server ≠ program",
    "requests",
    "wall (s)",
    "token leaked",
    "verdict",
  ],
  [
    [
      String(r.cycles),
      Object.entries(r.injected)
        .filter(([, v]) => v)
        .map(([k, v]) => `${k}: ${v}`)
        .join(", ") || "—",
      String(r.operations),
      String(r.failures),
      String(r.duplicates),
      String(r.orphans + r.ghosts),
      String(r.cyclesMismatched),
      String(r.requests),
      (r.wallMs / 1000).toFixed(0),
      r.tokenLeaks.length ? "**yes**" : "no",
      ok ? "pass" : "**FAIL**",
    ],
  ],
)}
${
  r.errors.length
    ? `\nFirst errors:\n\n${r.errors
        .slice(0, 5)
        .map((e) => `- ${e.replace(/\n/g, " ")}`)
        .join("\n")}\n`
    : ""
}${END}`;
  let text = fs.existsSync(OUT) ? fs.readFileSync(OUT, "utf8") : "# Benchmarks and fault injection\n\n";
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  text = a >= 0 && b > a ? text.slice(0, a) + section + text.slice(b + END.length) : `${text.trimEnd()}\n\n${section}\n`;
  fs.writeFileSync(OUT, text);
  process.stderr.write(
    `[soak] ${ok ? "pass" : "FAIL"}: ${r.cycles} cycles, ${r.operations} operations, ${r.failures} failures, ${r.duplicates} duplicates, ${r.orphans + r.ghosts} orphans; wrote ${OUT}\n`,
  );
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
