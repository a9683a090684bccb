/**
 * `npm run pack`: the release tarball. npm packs the files package.json's `files` names, but the
 * manifest it ships would carry this repository's scripts (build, test, bench, … over files that are
 * not in the package) and its devDependencies. So the package is packed from a staging directory:
 * the same files, and package.json without `scripts` and `devDependencies` (nothing a user of the
 * package can run or needs). The release workflow publishes this tarball; the package test checks it.
 *
 *   npm run build && npm run pack [-- --out <dir>]     → <dir>/pulumi-veza-<version>.tgz (default: .pack/)
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { runCommand, type Command } from "../provider/command-line";

/** The repository: the nearest directory above this file with a package.json (from scripts/ or dist/scripts/). */
const ROOT = ((): string => {
  let dir = path.dirname(__dirname);
  while (!fs.existsSync(path.join(dir, "package.json")) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
})();

/** Manifest fields that belong to the repository, not to the published package. */
const REPOSITORY_ONLY = ["scripts", "devDependencies"] as const;

/** What `npm pack --json` reports of one package (with or without --dry-run). */
export interface PackReport {
  name: string;
  version: string;
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}

function npm(args: string[], cwd: string): string {
  // --ignore-scripts: packing must not run `prepare` (a full build) behind the caller's back
  return execFileSync(process.platform === "win32" ? "npm.cmd" : "npm", [...args, "--ignore-scripts"], {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** The package's manifest as it is published: the repository's, without its scripts and devDependencies. */
export function publishedManifest(root = ROOT): Record<string, unknown> {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as Record<string, unknown>;
  for (const key of REPOSITORY_ONLY) delete manifest[key];
  return manifest;
}

/**
 * Copies the files npm would pack (as `files` selects them, LICENSE and README included) into `dir`
 * and writes the published manifest there. `dist/` must be built.
 */
export function stage(dir: string, root = ROOT): void {
  const [report] = JSON.parse(npm(["pack", "--dry-run", "--json"], root)) as PackReport[];
  fs.rmSync(dir, { recursive: true, force: true });
  for (const file of report.files) {
    if (file.path === "package.json") continue;
    fs.mkdirSync(path.dirname(path.join(dir, file.path)), { recursive: true });
    fs.copyFileSync(path.join(root, file.path), path.join(dir, file.path));
  }
  fs.writeFileSync(path.join(dir, "package.json"), `${JSON.stringify(publishedManifest(root), null, 2)}\n`);
}

/** A packed tarball and npm's report of what it holds. */
export interface Packed {
  tarball: string;
  report: PackReport;
}

/** Stages and packs; returns the tarball's path and npm's report of it (the files it holds). */
export function pack(outDir: string, root = ROOT): Packed {
  const stageDir = path.join(outDir, "stage");
  stage(stageDir, root);
  const [report] = JSON.parse(npm(["pack", "--json", "--pack-destination", outDir], stageDir)) as PackReport[];
  fs.rmSync(stageDir, { recursive: true, force: true });
  return { tarball: path.join(outDir, report!.filename), report: report! };
}

/** Where `npm run pack` writes the tarball by default (examples/basic installs it from there). */
export const PACK_DIR = path.join(ROOT, ".pack");

if (require.main === module) {
  const command = {
    command: "npm run pack --",
    summary: "Stages the package and packs it; prints the tarball's path.",
    maxPositionals: 0,
    options: {
      out: {
        type: "string",
        value: "DIR",
        description: "write the tarball to DIR (default: .pack/, where examples/basic installs it from)",
      },
    },
  } satisfies Command;
  runCommand(command, process.argv.slice(2), ({ values }) => {
    const out = path.resolve(values.out ?? PACK_DIR);
    fs.mkdirSync(out, { recursive: true });
    process.stdout.write(`${pack(out).tarball}\n`);
  });
}
