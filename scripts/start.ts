/**
 * `npm start`: the root stack (Pulumi.yaml → examples/bootstrap) against a local Veza emulator,
 * in one command, on a fresh machine.
 *
 * 1. Validates examples/bootstrap/catalog.yaml (a mistake stops here, before any request).
 * 2. Starts the emulator (data in .data/, so the next run sees the same tenant) unless VEZA_URL and
 *    VEZA_API_TOKEN (or VEZA_TOKEN) name a real tenant.
 * 3. The Pulumi CLI (scripts/pulumi-cli.ts: the pinned build from Go modules, cached per user and
 *    built on first use where Go is installed; else a `pulumi` >= 3.139 on PATH): a local file backend
 *    (.pulumi-local/, never a cloud login), stack `local`, `veza:url` and the secret `veza:apiToken`
 *    set; then `pulumi preview --json --show-sames` read by `pulumi-veza impact` (who gains and loses
 *    access in the up), `pulumi up`, and `pulumi preview --expect-no-changes`: Pulumi's own output.
 *    It recovers by itself: with the emulator's data removed, `pulumi refresh --run-program` drops
 *    from the state what the new, empty tenant lacks; with the state removed, the program adopts
 *    what the tenant holds (stack config `adoptExisting`). `npm start -- --reset` removes both.
 *    Without any CLI: the same plan / up / preview through the in-repo test engine, clearly labelled.
 *
 * Environment: VEZA_URL + VEZA_API_TOKEN (real tenant), VEZA_CATALOG (another catalog file),
 * VEZA_START_DATA_DIR (default .data), VEZA_START_STATE_DIR (default .pulumi-local),
 * PULUMI_FALLBACK=1 (skip the CLI, use the test engine), VEZA_PULUMI_CLI=off (the same) or =path
 * (only a pulumi on PATH),
 * PULUMI_CONFIG_PASSPHRASE (default: a fixed local one), VEZA_START_STACK (default local / tenant).
 * The token is never printed.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Emulator } from "../emulator";
import { CatalogError, loadCatalog, type Catalog } from "../examples/bootstrap/catalog";
import { ImpactInputError, impactOf, render } from "../provider/impact";
import { ensurePulumiCli } from "./pulumi-cli";
import { parseOrExit, type Parsed } from "../provider/command-line";
import { START_COMMAND } from "./commands";

const REPO = path.resolve(__dirname, "..", "..");
const PROJECT = "veza-bootstrap";
const LOCAL_PASSPHRASE = "veza-local-development-only";
const FALLBACK_LABEL = "[fallback: in-repo test engine, not the Pulumi CLI]";
const INSTALL_HINT =
  "Install the Pulumi CLI with `curl -fsSL https://get.pulumi.com | sh` (or `brew install pulumi/tap/pulumi`), then run `npm start` again.";

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
/** A path relative to the repo when inside it, else absolute. */
const shown = (p: string) => (path.relative(REPO, p).startsWith("..") ? p : path.relative(REPO, p) || ".");
const say = (line = "") => process.stdout.write(`${line}\n`);
const step = (line: string) => say(`==> ${line}`);

interface Target {
  url: string;
  token: string;
  stack: string;
  emulator?: Emulator;
  /** Where the emulator keeps its tenant. */
  dataDir?: string;
}

function dirFromEnv(name: string, fallback: string): string {
  const v = process.env[name];
  return path.resolve(v?.trim() ? v : fallback);
}

function catalogFile(): string {
  return process.env.VEZA_CATALOG ? path.resolve(process.env.VEZA_CATALOG) : path.join(REPO, "examples", "bootstrap", "catalog.yaml");
}

/** The emulator's token: made once, kept in the data dir (0600), never printed. */
function localToken(dataDir: string): string {
  const file = path.join(dataDir, "emulator-token");
  if (fs.existsSync(file)) {
    const t = fs.readFileSync(file, "utf8").trim();
    if (t) return t;
  }
  const t = `veza-local-${randomBytes(18).toString("hex")}`;
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, `${t}\n`, { mode: 0o600 });
  return t;
}

async function target(dataDir: string): Promise<Target> {
  const url = process.env.VEZA_URL?.trim();
  const token = (process.env.VEZA_API_TOKEN || process.env.VEZA_TOKEN || "").trim();
  if (url || token) {
    if (!url || !token) {
      throw new Error("To use a real tenant set both VEZA_URL and VEZA_API_TOKEN (or VEZA_TOKEN); to use the local emulator set neither.");
    }
    step(`Veza tenant ${url} (from VEZA_URL); the local emulator is not started`);
    return { url, token, stack: process.env.VEZA_START_STACK || "tenant" };
  }
  const { startEmulator } = require("../emulator") as typeof import("../emulator");
  const dataFile = path.join(dataDir, "emulator.json");
  const emulator = await startEmulator({ token: localToken(dataDir), dataFile, host: "127.0.0.1", port: 0 });
  const seen = emulator.store.listTypes().length + emulator.store.listProfiles().length;
  step(
    `local Veza emulator on ${emulator.url} (tenant data: ${shown(dataFile)}, ${seen} object${seen === 1 ? "" : "s"} from earlier runs)`,
  );
  return { url: emulator.url, token: emulator.token, stack: process.env.VEZA_START_STACK || "local", emulator, dataDir };
}

// ---- the Pulumi CLI ----------------------------------------------------------------------------

/** The Pulumi CLI's folder (built, cached or on PATH), or why there is none. */
function findCli(): { binDir?: string; why: string } {
  if (process.env.PULUMI_FALLBACK === "1" || process.env.PULUMI_FALLBACK === "true") return { why: "PULUMI_FALLBACK is set" };
  const found = ensurePulumiCli((line) => say(`    ${line}`));
  if (!found.cli) return { why: found.reason };
  say(
    `    Pulumi CLI ${found.cli.version} (${found.cli.source === "PATH" ? path.join(found.cli.binDir, "pulumi") : `built from Go modules, ${found.cli.binDir}`})`,
  );
  return { binDir: found.cli.binDir, why: "" };
}

function run(bin: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: REPO, env, stdio: [input === undefined ? "inherit" : "pipe", "inherit", "inherit"] });
    if (input !== undefined) child.stdin!.end(input);
    child.once("error", reject);
    child.once("exit", (code) => resolve(code ?? 1));
  });
}

/** Runs the CLI with stdout captured (stderr shown). */
function capture(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: REPO, env, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code: code ?? 1, out }));
  });
}

/** `pulumi-veza impact --format text` of a preview's JSON, indented; a preview it cannot read is said, not fatal. */
function printImpact(json: string, source: string): void {
  try {
    for (const line of render(impactOf({ text: json, file: source }), "text")
      .trimEnd()
      .split("\n"))
      say(`    ${line}`);
  } catch (e) {
    if (!ImpactInputError.isInstance(e)) throw e;
    say(`    (no access impact: ${e.message})`);
  }
}

/** The provider's resources a `pulumi stack export` holds (0 when it cannot be read). */
function trackedResources(exportJson: string): number {
  try {
    const resources = (JSON.parse(exportJson) as { deployment?: { resources?: { type: string }[] } }).deployment?.resources ?? [];
    return resources.filter((r) => r.type.startsWith("pulumi-nodejs:")).length;
  } catch {
    return 0;
  }
}

async function withCli(binDir: string, t: Target, stateDir: string): Promise<number> {
  fs.mkdirSync(stateDir, { recursive: true });
  const bin = path.join(binDir, process.platform === "win32" ? "pulumi.exe" : "pulumi");
  const configFile = path.join(stateDir, `Pulumi.${t.stack}.yaml`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ""}`,
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? LOCAL_PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    // everything the stack needs is here: never try to download a plugin
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    // tsc already type-checked the program (npm run build); skip it again in ts-node
    PULUMI_NODEJS_TRANSPILE_ONLY: "true",
  };
  delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
  const common = ["--stack", t.stack, "--config-file", configFile, "--non-interactive"];
  const must = async (what: string, args: string[], input?: string) => {
    const code = await run(bin, args, env, input);
    if (code !== 0) throw new Error(`\`pulumi ${what}\` failed (exit ${code})`);
  };
  step(`Pulumi CLI with a local file backend (${shown(stateDir)}), stack "${t.stack}"`);
  // creating the stack writes the passphrase salt to Pulumi.<stack>.yaml next to Pulumi.yaml; keep that
  // file in the state dir (git-ignored) instead, and point every later command at it
  const rootConfig = path.join(REPO, `Pulumi.${t.stack}.yaml`);
  const hadRootConfig = fs.existsSync(rootConfig);
  // one command whether or not the stack exists (each command opens the stack's secrets: with a
  // passphrase, about 0.2 s of key derivation)
  await must(
    "stack select --create",
    ["stack", "select", t.stack, "--create", "--secrets-provider", "passphrase", "--non-interactive"],
    "",
  );
  if (!hadRootConfig && fs.existsSync(rootConfig) && !fs.existsSync(configFile)) fs.renameSync(rootConfig, configFile);
  if (t.emulator) {
    // adoptExisting: a state removed while the emulator's data stayed takes over what the tenant holds
    await must(
      "config set-all",
      ["config", "set-all", "--plaintext", `veza:url=${t.url}`, "--plaintext", "adoptExisting=true", ...common],
      "",
    );
    // the token goes through stdin, never the command line
    await must("config set --secret veza:apiToken", ["config", "set", "--secret", "veza:apiToken", ...common], t.token);
  } else {
    // a real tenant's token is not written anywhere (this stack's passphrase is a public one):
    // the provider reads VEZA_URL and VEZA_API_TOKEN from the environment
    say("    veza:url and the token come from VEZA_URL and VEZA_API_TOKEN; nothing is written to the stack config");
  }
  if (t.emulator && t.emulator.store.listTypes().length + t.emulator.store.listProfiles().length === 0) {
    const exported = await capture(bin, ["stack", "export", "--stack", t.stack, "--non-interactive"], env);
    const tracked = exported.code === 0 ? trackedResources(exported.out) : 0;
    if (tracked > 0) {
      // the emulator's data was removed but the state remains. A plain refresh would configure the
      // provider from the config saved in the state (an earlier emulator's address); --run-program
      // configures it from the current config, so the refresh asks the emulator just started.
      step(`the tenant is empty but the state tracks ${tracked} resources: pulumi refresh --run-program`);
      await must("refresh", ["refresh", "--yes", "--skip-preview", "--run-program", "--suppress-progress", ...common]);
    }
  }
  step("access impact of this up: pulumi preview --json --show-sames | pulumi-veza impact");
  const preview = await capture(bin, ["preview", "--json", "--show-sames", ...common], env);
  printImpact(preview.out, "pulumi preview --json --show-sames");
  step("pulumi up --yes --skip-preview (the plan is the preview above)");
  await must("up", ["up", "--yes", "--skip-preview", "--suppress-outputs", "--suppress-progress", ...common]);
  step("pulumi preview --expect-no-changes (a second run: expect no changes)");
  await must("preview", ["preview", "--expect-no-changes", "--suppress-outputs", "--suppress-progress", ...common]);
  say(
    `    the stack's state: ${shown(stateDir)}; the emulator's tenant: ${t.dataDir ? shown(t.dataDir) : "your tenant"}; \`npm start -- --reset\` starts over`,
  );
  return 0;
}

// ---- the fallback: the in-repo test engine -----------------------------------------------------

const SYMBOL: Record<string, string> = { create: "+", update: "~", replace: "+-", delete: "-", same: " ", failed: "x" };
const shortType = (type: string) => type.replace(/^pulumi-nodejs:dynamic\//, "");

function printResources(resources: Record<string, { op: string; type: string; name: string; error?: string }>, showSame: boolean): void {
  for (const r of Object.values(resources)) {
    if (r.op === "same" && !showSame) continue;
    say(
      `    ${(SYMBOL[r.op] ?? "?").padEnd(2)} ${r.op.padEnd(7)} ${shortType(r.type).padEnd(26)} ${r.name}${r.error ? `: ${r.error}` : ""}`,
    );
  }
}

function counts(s: { creates: number; updates: number; replaces: number; deletes: number; sames: number }, done = false): string {
  const v = (future: string, past: string) => (done ? past : `to ${future}`);
  const parts = [
    s.creates && `${s.creates} ${v("create", "created")}`,
    s.updates && `${s.updates} ${v("update", "updated")}`,
    s.replaces && `${s.replaces} ${v("replace", "replaced")}`,
    s.deletes && `${s.deletes} ${v("delete", "deleted")}`,
    s.sames && `${s.sames} unchanged`,
  ].filter(Boolean);
  return parts.length ? parts.join(", ") : "nothing";
}

function printIds(outputs: Record<string, unknown>): void {
  for (const [group, ids] of Object.entries(outputs)) {
    say(`    ${group}:`);
    for (const [name, id] of Object.entries((ids ?? {}) as Record<string, unknown>)) say(`      ${name.padEnd(28)} ${String(id)}`);
  }
}

async function withEngine(catalog: Catalog, t: Target, stateDir: string): Promise<number> {
  say(`${FALLBACK_LABEL}`);
  const { Engine, StepRecorder, previewJsonText } = require("../harness") as typeof import("../harness");
  const { bootstrap } = require("../examples/bootstrap/program") as typeof import("../examples/bootstrap/program");
  const stateFile = path.join(stateDir, t.stack === "local" ? "fallback-state.json" : `fallback-state-${t.stack}.json`);
  const steps = new StepRecorder();
  const engine = new Engine({
    onStep: steps.onStep,
    stateFile,
    config: { "veza:url": t.url, "veza:apiToken": t.token },
    secretConfigKeys: ["veza:apiToken"],
    cwd: REPO,
    project: PROJECT,
    stack: t.stack,
  });
  const program = () => bootstrap(catalog);
  const failed = (s: { errors: { name: string; message: string }[] }) => {
    if (!s.errors.length) return false;
    say(`    ${s.errors.length} error${s.errors.length === 1 ? "" : "s"}:`);
    for (const e of s.errors) say(`      ${e.name}: ${e.message}`);
    return true;
  };
  const warnings = (s: { warnings: string[] }) => {
    for (const w of s.warnings) say(`    ${w.trim()}`);
  };

  const tracked = engine.state().resources.filter((r) => r.type !== "pulumi:pulumi:Stack").length;
  if (t.emulator && tracked > 0 && t.emulator.store.listTypes().length === 0) {
    // the emulator's data was removed but the state remains: let the state learn what is gone
    step(`${FALLBACK_LABEL} refresh: the emulator's tenant is empty but the state tracks ${tracked} resources`);
    const refreshed = await engine.refresh();
    say(`    ${refreshed.deletes} gone from the tenant, dropped from the state [${elapsed()}]`);
    if (failed(refreshed)) return 1;
  }

  step(`${FALLBACK_LABEL} preview: the plan (state: ${shown(stateFile)})`);
  const plan = await engine.preview(program);
  printResources(plan.resources, false);
  const planned = plan.creates + plan.updates + plan.replaces + plan.deletes;
  say(`    plan: ${planned ? counts(plan) : `no changes (${plan.sames} unchanged)`} [${elapsed()}]`);
  if (failed(plan)) return 1;

  step(`${FALLBACK_LABEL} up`);
  steps.take();
  const up = await engine.up(program);
  printResources(Object.fromEntries(Object.entries(up.resources).filter(([, r]) => r.op === "failed")), false);
  warnings(up);
  say(`    result: ${counts(up, true)} [${elapsed()}]`);
  if (failed(up)) return 1;
  say("    ids by name (stack outputs):");
  printIds(up.outputs);
  step(
    `${FALLBACK_LABEL} access impact of this up (pulumi-veza impact of its steps, as \`pulumi preview --json --show-sames\` prints them)`,
  );
  printImpact(previewJsonText(steps.take(), { showSames: true }), "the up's steps");

  step(`${FALLBACK_LABEL} preview (a second run: expect no changes)`);
  const again = await engine.preview(program);
  const changes = again.creates + again.updates + again.replaces + again.deletes;
  printResources(again.resources, false);
  if (failed(again)) return 1;
  say(changes === 0 ? `    no changes: ${again.sames} resources unchanged [${elapsed()}]` : `    unexpected: ${counts(again)}`);
  return changes === 0 ? 0 : 1;
}

// ---- main --------------------------------------------------------------------------------------

async function main({ values }: Parsed<typeof START_COMMAND.options>): Promise<number> {
  const dataDir = dirFromEnv("VEZA_START_DATA_DIR", path.join(REPO, ".data"));
  const stateDir = dirFromEnv("VEZA_START_STATE_DIR", path.join(REPO, ".pulumi-local"));
  if (values.reset) {
    step(`--reset: removing ${shown(dataDir)} and ${shown(stateDir)}`);
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
  const file = catalogFile();
  step(`catalog ${shown(file)}`);
  let catalog: Catalog;
  try {
    catalog = loadCatalog(file);
  } catch (e) {
    if (e instanceof CatalogError) {
      say(e.message);
      return 1;
    }
    throw e;
  }
  say(`    ${catalog.types.length} types, ${catalog.profiles.length} profiles: valid`);

  const t = await target(dataDir);
  try {
    step("the Pulumi CLI");
    const cli = findCli();
    if (cli.binDir) return await withCli(cli.binDir, t, stateDir);
    say(`The Pulumi CLI is not available (${cli.why}).`);
    say(INSTALL_HINT);
    return await withEngine(catalog, t, stateDir);
  } finally {
    await t.emulator?.close();
  }
}

if (require.main === module) {
  const parsed = parseOrExit(START_COMMAND, process.argv.slice(2), process);
  if (typeof parsed === "number") process.exit(parsed);
  main(parsed).then(
    (code) => {
      say(code === 0 ? `done in ${elapsed()}` : `failed after ${elapsed()}`);
      process.exit(code);
    },
    (e: unknown) => {
      say(`error: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
