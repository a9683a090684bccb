/**
 * Python for the provider plugin's tests: a venv holding PyPI's `pulumi` (pinned), made once per
 * user in the cache beside the CLI's and reused, and the plugin's generated Python SDK installed
 * (kept in the venv's folder by its contents). Without python3, or when PyPI cannot be reached, the
 * tests skip with the reason.
 */
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { generateSdk } from "../../scripts/sdk";

/**
 * PyPI's `pulumi`: the newest 3.x release the package index these machines reach serves (the CLI
 * is v3.276.0; the SDK speaks the same 3.x protocol).
 */
export const PULUMI_REQUIREMENT = "pulumi==3.272.0";

export type PythonLookup = { python: string; reason?: undefined } | { python?: undefined; reason: string };

/** The venv's python (made on first use), or why there is none. */
export function pythonWithPulumi(): PythonLookup {
  if (spawnSync("python3", ["--version"]).status !== 0) return { reason: "python3 is not on PATH" };
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  const venv = path.join(base, "pulumi-veza", "python-venv", PULUMI_REQUIREMENT.replace(/[^\w.]+/g, "_"));
  const python = path.join(venv, "bin", "python");
  if (fs.existsSync(path.join(venv, ".ready"))) return { python };
  const made = spawnSync("python3", ["-m", "venv", venv], { encoding: "utf8" });
  if (made.status !== 0) return { reason: `python3 -m venv failed: ${made.stderr.trim()}` };
  const pip = spawnSync(python, ["-m", "pip", "install", "-q", PULUMI_REQUIREMENT], { encoding: "utf8", timeout: 300_000 });
  if (pip.status !== 0)
    return { reason: `pip install ${PULUMI_REQUIREMENT} failed: ${`${pip.stderr}`.trim().split("\n").slice(-2).join(" ")}` };
  fs.writeFileSync(path.join(venv, ".ready"), "");
  return { python };
}

/**
 * Generates the SDK and pip-installs it as a user would (no dependencies: the venv has them) into a
 * site folder for PYTHONPATH, so the shared venv is never changed. Returns the site folder, the SDK's
 * folder (under `work`) and the generated files. Like the venv, an install is kept in the cache (in
 * the venv's folder, off its path), by the generated files' contents and the venv: the two Python test
 * files install the same SDK, and pip's build of it costs about 2.6 s of CPU; a changed schema or
 * generator is installed afresh.
 */
export function installGeneratedSdk(python: string, work: string): { site: string; sdk: string; files: string[] } {
  const sdk = path.join(work, "sdk");
  const files = generateSdk("python", sdk);
  const hash = crypto.createHash("sha256").update(python);
  for (const f of [...files].sort()) hash.update(`\0${f}\0`).update(fs.readFileSync(path.join(sdk, f)));
  const venv = path.dirname(path.dirname(python));
  const site = path.join(venv, "veza-sdk", hash.digest("hex").slice(0, 16));
  if (fs.existsSync(site)) return { site, sdk, files };
  // installed beside it and renamed into place: a test file running at the same time finds it whole or not at all
  const building = `${site}.${process.pid}`;
  fs.mkdirSync(path.dirname(site), { recursive: true });
  fs.rmSync(building, { recursive: true, force: true });
  const pip = spawnSync(python, ["-m", "pip", "install", "-q", "--no-deps", "--target", building, sdk], {
    encoding: "utf8",
    timeout: 300_000,
  });
  if (pip.status !== 0) throw new Error(`pip install of the generated SDK failed:\n${pip.stderr}`);
  try {
    fs.renameSync(building, site);
  } catch {
    // the other file's install got there first: the same files
    fs.rmSync(building, { recursive: true, force: true });
  }
  return { site, sdk, files };
}
