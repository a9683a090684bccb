/**
 * The Pulumi CLI for this project's tests, bench and `npm start` (users install Pulumi as usual and
 * never need this).
 *
 *   npm run pulumi-cli          build it (or say where the cached build is) and print its folder
 *
 * `findPulumiCli()` answers, in this order:
 * 1. `VEZA_PULUMI_CLI=off`: no CLI (the tests that need one skip, saying so); `VEZA_PULUMI_CLI=path`:
 *    only a `pulumi` on PATH (as a user's machine has it).
 * 2. A cached build of the release pinned in tools/pulumi-cli/go.mod, in a per-user cache outside
 *    the clone (`$XDG_CACHE_HOME/pulumi-veza/pulumi-cli/<release>-<fingerprint>`, default
 *    `~/.cache/…`), so a fresh clone reuses it: nothing runs, nothing is fetched.
 * 3. With Go on PATH, a build of it (`ensurePulumiCli`): `pulumi` (the module's cmd/pulumi, the
 *    version stamped with the release's ldflags), our Node.js language host
 *    (tools/pulumi-cli/language-nodejs: Pulumi's own is not served by the Go module proxy these
 *    machines reach) and `pulumi-resource-pulumi-nodejs`, the dynamic-provider plugin (a shell
 *    script that runs the program's own @pulumi/pulumi dynamic-provider server, as the one in
 *    Pulumi's release does). Go reaches the module proxy the first time; later builds are offline
 *    (the module cache), and an unchanged fingerprint skips Go altogether.
 * 4. A `pulumi` already on PATH, version 3.139 or later (its own language host and plugin).
 * 5. Otherwise no CLI, with the one-line reason.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runCommand, type Command } from "../provider/command-line";

/** The repository's root, from scripts/ (under jest) or dist/scripts/ (built). */
const REPO = (() => {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "tools", "pulumi-cli", "go.mod"))) return dir;
  }
  throw new Error(`no tools/pulumi-cli/go.mod above ${__dirname}`);
})();
const MODULE_DIR = path.join(REPO, "tools", "pulumi-cli");
/** The oldest CLI whose dynamic providers receive `configure` (pulumi-dynamic-notes.md). */
const MIN_PATH_VERSION = [3, 139, 0];

export interface PulumiCli {
  /** The folder to put first on PATH: `pulumi`, its language host and the dynamic-provider plugin. */
  binDir: string;
  /** `pulumi version`, e.g. v3.276.0. */
  version: string;
  /** Where it came from, for the test and bench reports. */
  source: "cached build" | "fresh build" | "PATH";
  /** The cold build's time, when this call built it. */
  buildSeconds?: number;
}

export type CliLookup = { cli: PulumiCli } | { cli?: undefined; reason: string };

/** The release pinned in tools/pulumi-cli/go.mod. */
export function pinnedRelease(): string {
  const gomod = fs.readFileSync(path.join(MODULE_DIR, "go.mod"), "utf8");
  const m = /^\s*github\.com\/pulumi\/pulumi\/pkg\/v3 (v\S+)/m.exec(gomod);
  if (!m) throw new Error(`${MODULE_DIR}/go.mod does not require github.com/pulumi/pulumi/pkg/v3`);
  return m[1];
}

/** Every file the build reads from the repository, so an edit to any of them makes a new build. */
function fingerprint(): string {
  const h = createHash("sha256");
  for (const f of ["go.mod", "go.sum", "tools.go", path.join("language-nodejs", "main.go")]) {
    h.update(f).update(fs.readFileSync(path.join(MODULE_DIR, f)));
  }
  h.update(DYNAMIC_PROVIDER_PLUGIN);
  return h.digest("hex").slice(0, 12);
}

export function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "pulumi-veza", "pulumi-cli", `${pinnedRelease()}-${fingerprint()}`);
}

const BINARIES = ["pulumi", "pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"];

/**
 * `pulumi-resource-pulumi-nodejs`: the engine starts it in the program's directory; it runs the
 * dynamic-provider server of the @pulumi/pulumi that the program itself resolves.
 */
const DYNAMIC_PROVIDER_PLUGIN = `#!/bin/sh
# The dynamic-provider plugin: the program's own @pulumi/pulumi dynamic-provider server.
server=$(node -e 'process.stdout.write(require.resolve("@pulumi/pulumi/cmd/dynamic-provider"))') || exit 1
exec node "$server" "$@"
`;

function cachedBuild(): PulumiCli | undefined {
  const dir = cacheDir();
  if (!BINARIES.every((b) => fs.existsSync(path.join(dir, b)))) return undefined;
  const version = versionOf(path.join(dir, "pulumi"));
  return version ? { binDir: dir, version, source: "cached build" } : undefined;
}

function versionOf(pulumi: string): string | undefined {
  const r = spawnSync(pulumi, ["version"], {
    encoding: "utf8",
    env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
    timeout: 30_000,
  });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function hasGo(): boolean {
  return spawnSync("go", ["version"], { encoding: "utf8" }).status === 0;
}

function onPath(): PulumiCli | undefined {
  const r = spawnSync("sh", ["-c", "command -v pulumi"], { encoding: "utf8" });
  const file = r.stdout.trim();
  if (r.status !== 0 || !file) return undefined;
  const version = versionOf(file);
  const parts = version?.replace(/^v/, "").split(/[.-]/).map(Number) ?? [];
  const newEnough =
    parts.length >= 3 && parts.slice(0, 3).reduce((cmp, n, i) => (cmp !== 0 ? cmp : Math.sign(n - MIN_PATH_VERSION[i])), 0) >= 0;
  return version && newEnough ? { binDir: path.dirname(file), version, source: "PATH" } : undefined;
}

/** What is there now, without building. */
export function findPulumiCli(): CliLookup {
  if (process.env.VEZA_PULUMI_CLI === "off") return { reason: "VEZA_PULUMI_CLI=off" };
  if (process.env.VEZA_PULUMI_CLI === "path") {
    const p = onPath();
    return p ? { cli: p } : { reason: "VEZA_PULUMI_CLI=path, and no pulumi >= 3.139 is on PATH" };
  }
  const cached = cachedBuild();
  if (cached) return { cli: cached };
  const path_ = onPath();
  if (path_ && !hasGo()) return { cli: path_ };
  if (hasGo()) return { reason: `the pinned Pulumi CLI is not built yet (run \`npm run pulumi-cli\`)` };
  return { reason: "no Pulumi CLI: Go is not on PATH to build the pinned one, and no pulumi >= 3.139 is on PATH" };
}

function go(args: string[], log: (line: string) => void): void {
  // GOFLAGS=-mod=readonly: the build never rewrites go.mod/go.sum; a missing module is an error.
  const r = spawnSync("go", args, {
    cwd: MODULE_DIR,
    encoding: "utf8",
    env: { ...process.env, GOFLAGS: "-mod=readonly", CGO_ENABLED: "0" },
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) {
    const tail = `${r.stderr ?? ""}${r.stdout ?? ""}`.trim().split("\n").slice(-15).join("\n");
    throw new Error(`go ${args.join(" ")} failed (exit ${r.status ?? r.signal}):\n${tail}`);
  }
  log(`go ${args.slice(0, 2).join(" ")} … done`);
}

/**
 * The CLI, building the pinned release when Go is there and it is not cached. Safe to call from
 * several processes at once: one builds (a lock folder), the others wait for it.
 */
export function ensurePulumiCli(log: (line: string) => void = () => undefined): CliLookup {
  const found = findPulumiCli();
  if (found.cli || process.env.VEZA_PULUMI_CLI === "off" || process.env.VEZA_PULUMI_CLI === "path" || !hasGo()) return found;
  const dir = cacheDir();
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const lock = `${dir}.lock`;
  const started = Date.now();
  while (true) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      // Another process is building: wait for it (a lock older than 30 minutes is a dead builder's).
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 30 * 60_000) fs.rmSync(lock, { recursive: true, force: true });
      spawnSync("sleep", ["2"]);
      const done = cachedBuild();
      if (done) return { cli: done };
    }
  }
  try {
    const again = cachedBuild();
    if (again) return { cli: again };
    const release = pinnedRelease();
    const tmp = `${dir}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    const ldflags = `-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${release}`;
    log(`building the Pulumi CLI ${release} from Go modules into ${dir} (the first build takes several minutes)`);
    go(["build", "-trimpath", "-ldflags", ldflags, "-o", path.join(tmp, "pulumi"), "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"], log);
    go(["build", "-trimpath", "-ldflags", ldflags, "-o", path.join(tmp, "pulumi-language-nodejs"), "./language-nodejs"], log);
    fs.writeFileSync(path.join(tmp, "pulumi-resource-pulumi-nodejs"), DYNAMIC_PROVIDER_PLUGIN, { mode: 0o755 });
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
    const built = cachedBuild();
    if (!built) return { reason: `the Pulumi CLI built into ${dir} does not run \`pulumi version\`` };
    return { cli: { ...built, source: "fresh build", buildSeconds: (Date.now() - started) / 1000 } };
  } catch (e) {
    return { reason: `building the Pulumi CLI failed: ${(e as Error).message}` };
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const command = {
    command: "npm run pulumi-cli --",
    summary: "Finds the pinned Pulumi CLI in the cache, or builds it from Go modules; prints the folder of its binaries.",
    options: {},
  } satisfies Command;
  runCommand(command, process.argv.slice(2), () => {
    const t0 = Date.now();
    const r = ensurePulumiCli((line) => process.stderr.write(`${line}\n`));
    if (!r.cli) {
      process.stderr.write(`${r.reason}\n`);
      return 1;
    }
    process.stderr.write(`Pulumi CLI ${r.cli.version} (${r.cli.source}) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    process.stdout.write(`${r.cli.binDir}\n`);
  });
}

// ---- language hosts beside the CLI (the provider plugin's tests, tests/plugin) ----

/** A language host built with Go into its own cache folder, keyed by its release and the files it is built from. */
interface HostBuild {
  /** The binary's name (the engine finds `pulumi-language-<runtime>` on PATH). */
  binary: string;
  /** The Go module it is built in. */
  moduleDir: string;
  /** The module's files the build reads (relative to moduleDir): an edit to any makes a new build. */
  files: string[];
  release: string;
  /** The package `go build` builds. */
  pkg: string;
}

const YAML_MODULE_DIR = path.join(REPO, "tools", "pulumi-language-yaml");

/** The pulumi-yaml release pinned in tools/pulumi-language-yaml/go.mod. */
function pinnedYamlRelease(): string {
  const m = /^\s*(?:require\s+)?github\.com\/pulumi\/pulumi-yaml (v\S+)/m.exec(
    fs.readFileSync(path.join(YAML_MODULE_DIR, "go.mod"), "utf8"),
  );
  if (!m) throw new Error(`${YAML_MODULE_DIR}/go.mod does not require github.com/pulumi/pulumi-yaml`);
  return m[1];
}

/** github.com/pulumi/pulumi-yaml's cmd/pulumi-language-yaml at the release tools/pulumi-language-yaml pins. */
const YAML_HOST = (): HostBuild => ({
  binary: "pulumi-language-yaml",
  moduleDir: YAML_MODULE_DIR,
  files: ["go.mod", "go.sum", "tools.go"],
  release: pinnedYamlRelease(),
  pkg: "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml",
});

/** Our Python language host (tools/pulumi-cli/language-python: Pulumi's own is refused by the module proxy, as the Node one is). */
const PYTHON_HOST = (): HostBuild => ({
  binary: "pulumi-language-python",
  moduleDir: MODULE_DIR,
  files: ["go.mod", "go.sum", path.join("language-python", "main.go"), path.join("language-python", "run.py")],
  release: pinnedRelease(),
  pkg: "./language-python",
});

/** Where a host is cached: beside the CLI's, keyed by its release and the module's files. */
function hostDir(b: HostBuild): string {
  const h = createHash("sha256");
  for (const f of b.files) h.update(f).update(fs.readFileSync(path.join(b.moduleDir, f)));
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "pulumi-veza", b.binary, `${b.release}-${h.digest("hex").slice(0, 12)}`);
}

export type HostLookup = { dir: string } | { dir?: undefined; reason: string };

/**
 * The folder holding a host's binary, building it with Go when it is not cached; or the reason
 * there is none. One builder at a time is not enforced: two concurrent builds write their own temp
 * folders and the last rename wins, with the same binary.
 */
function ensureHost(b: HostBuild, log: (line: string) => void): HostLookup {
  if (process.env.VEZA_PULUMI_CLI === "off") return { reason: "VEZA_PULUMI_CLI=off" };
  const dir = hostDir(b);
  if (fs.existsSync(path.join(dir, b.binary))) return { dir };
  if (!hasGo()) return { reason: `${b.binary} is not built and Go is not on PATH to build it` };
  const tmp = `${dir}.tmp-${process.pid}`;
  try {
    fs.mkdirSync(tmp, { recursive: true });
    log(`building ${b.binary} ${b.release} from Go modules into ${dir}`);
    const r = spawnSync("go", ["build", "-trimpath", "-o", path.join(tmp, b.binary), b.pkg], {
      cwd: b.moduleDir,
      encoding: "utf8",
      env: { ...process.env, GOFLAGS: "-mod=readonly", CGO_ENABLED: "0" },
      maxBuffer: 64 << 20,
    });
    if (r.status !== 0)
      return { reason: `building ${b.binary} failed: ${`${r.stderr ?? ""}${r.stdout ?? ""}`.trim().split("\n").slice(-5).join("\n")}` };
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
    return { dir };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The folder holding `pulumi-language-yaml`, built when not cached (see ensureHost). */
export const ensureYamlHost = (log: (line: string) => void = () => undefined): HostLookup => ensureHost(YAML_HOST(), log);

/** The folder holding our `pulumi-language-python`, built when not cached (see ensureHost). */
export const ensurePythonHost = (log: (line: string) => void = () => undefined): HostLookup => ensureHost(PYTHON_HOST(), log);
