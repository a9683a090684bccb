/**
 * Every command line of the repository (the bin, the emulator, bench/, scripts/) goes through its
 * option table: one `node` run of a compiled entry point (npm test builds first) with a flag it does
 * not take exits 2, names the flag, and prints the help from the table, before it reads or starts
 * anything. The parsing itself is tested in process (command-line.test.ts). Entry points that load
 * the harness or the compiler before parsing cost about 0.8 s of CPU each; one of bench/ and one of
 * scripts/ stand for the others, which call the same parseOrExit / runCommand.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const DIST = path.resolve(__dirname, "..", "..", "dist");

const ENTRY_POINTS: [file: string, args: string[], usage: string][] = [
  ["provider/cli.js", ["export"], "Usage: pulumi-veza export [options]"],
  ["provider/cli.js", ["impact"], "Usage: pulumi-veza impact [FILE] [options]"],
  ["emulator/cli.js", [], "Usage: npm run emulator -- [options]"],
  ["bench/run.js", [], "Usage: npm run bench -- [options]"],
  ["scripts/start.js", [], "Usage: npm start -- [options]"],
  ["scripts/pack.js", [], "Usage: npm run pack -- [options]"],
  ["scripts/pulumi-cli.js", [], "Usage: npm run pulumi-cli -- [options]"],
  ["scripts/sizes.js", [], "Usage: node dist/scripts/sizes.js [DIR…] [options]"],
];

test.each(ENTRY_POINTS)("%s %j: an unknown flag exits 2, naming it, with the help", (file, args, usage) => {
  const r = spawnSync(process.execPath, [path.join(DIST, file), ...args, "--no-such-flag"], {
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, VEZA_URL: undefined },
  });
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(/^.+: unknown option --no-such-flag; .+ takes .*-h, --help\n/);
  expect(r.stderr).toContain(`\n${usage}\n`);
  expect(r.status).toBe(2);
});
