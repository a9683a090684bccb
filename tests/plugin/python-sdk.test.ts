/**
 * The Python SDK of the provider plugin, generated (never committed) from the schema by Pulumi's own
 * Python code generator (scripts/sdk.ts → tools/pulumi-sdkgen), installed with pip and used with
 * PyPI's `pulumi` under the SDK's mock runtime (tests/plugin/python/check_sdk.py): every resource,
 * a nested object type, an explicit provider with a secret token and a function register with the
 * plugin's tokens and camelCase inputs.
 *
 * What this does not do: run a Python program through the CLI. That needs Pulumi's Python language
 * host (github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3), which the Go module proxy
 * these machines reach refuses (403), so the test cannot build it.
 *
 * Skips, with the reason, without python3 or Go; the venv (PyPI's pulumi) is made once per user in
 * the cache and reused.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ensureSdkgen, generateSdk } from "../../scripts/sdk";

const PULUMI_REQUIREMENT = "pulumi>=3.200,<4";
const CHECK = path.join(__dirname, "python", "check_sdk.py");

/** A venv holding PyPI's pulumi, made once in the per-user cache; or why there is none. */
function pythonWithPulumi(): { python: string } | { reason: string } {
  if (spawnSync("python3", ["--version"]).status !== 0) return { reason: "python3 is not on PATH" };
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  const venv = path.join(base, "pulumi-veza", "python-venv", PULUMI_REQUIREMENT.replace(/[^\w.]+/g, "_"));
  const python = path.join(venv, "bin", "python");
  if (fs.existsSync(path.join(venv, ".ready"))) return { python };
  const made = spawnSync("python3", ["-m", "venv", venv], { encoding: "utf8" });
  if (made.status !== 0) return { reason: `python3 -m venv failed: ${made.stderr.trim()}` };
  const pip = spawnSync(python, ["-m", "pip", "install", "-q", PULUMI_REQUIREMENT], { encoding: "utf8", timeout: 300_000 });
  if (pip.status !== 0) return { reason: `pip install ${PULUMI_REQUIREMENT} failed: ${`${pip.stderr}`.trim().split("\n").slice(-2).join(" ")}` };
  fs.writeFileSync(path.join(venv, ".ready"), "");
  return { python };
}

const py = pythonWithPulumi();
const gen = "python" in py ? ensureSdkgen() : { reason: "no python" };
const reason = "reason" in py ? py.reason : gen.bin ? undefined : (gen as { reason: string }).reason;
const maybe = reason ? test.skip : test;

let work = "";
afterAll(() => work && fs.rmSync(work, { recursive: true, force: true }));

maybe(`the generated Python SDK installs and registers every resource with the plugin's tokens${reason ? ` [skipped: ${reason}]` : ""}`, () => {
  const python = (py as { python: string }).python;
  work = fs.mkdtempSync(path.join(os.tmpdir(), "veza-python-sdk-"));
  const sdk = path.join(work, "sdk");
  const files = generateSdk("python", sdk);
  expect(files).toEqual(expect.arrayContaining(["setup.py", "pulumi_veza/access_profile.py", "pulumi_veza/profile_membership.py", "pulumi_veza/provider.py", "pulumi_veza/list_access_profiles.py"]));
  expect(JSON.parse(fs.readFileSync(path.join(sdk, "pulumi_veza", "pulumi-plugin.json"), "utf8"))).toMatchObject({ resource: true, name: "veza" });
  const site = path.join(work, "site");
  const pip = spawnSync(python, ["-m", "pip", "install", "-q", "--no-deps", "--target", site, sdk], { encoding: "utf8", timeout: 300_000 });
  if (pip.status !== 0) throw new Error(`pip install of the generated SDK failed:\n${pip.stderr}`);
  const run = spawnSync(python, [CHECK, site], { encoding: "utf8", timeout: 120_000 });
  if (run.status !== 0) throw new Error(`check_sdk.py failed:\n${run.stderr}${run.stdout}`);
  const { seen, integrations } = JSON.parse(run.stdout.trim().split("\n").pop()!) as { seen: { type?: string; name?: string; function?: string; inputs?: Record<string, unknown> }[]; integrations: string[] };
  type Seen = (typeof seen)[number];
  const byName: Record<string, Seen> = Object.fromEntries(seen.filter((s) => s.name).map((s) => [s.name!, s]));
  expect(Object.fromEntries(Object.entries(byName).map(([n, s]) => [n, s.type]))).toEqual({
    "tenant-two": "pulumi:providers:veza",
    type: "veza:index:AccessProfileType",
    base: "veza:index:AccessProfile",
    app: "veza:index:AccessProfile",
    "app-v": "veza:index:AccessProfileVersion",
    "app-m": "veza:index:ProfileMembership",
  });
  // Python's snake_case arguments arrive as the schema's camelCase inputs, nested types too
  expect(byName.base!.inputs).toEqual({ name: "Base", profileType: "type-id", labels: ["a"], catalogItemInfo: { name: "Base", recommended: true } });
  expect(byName["app-v"]!.inputs).toMatchObject({ accessProfileId: "app-id", inheritFrom: ["base-id"], entities: [{ entityType: "SalesforceGroup", datasourceId: "sf-1", entityId: "g-app" }] });
  // the provider's token is secret (the schema says so)
  expect(byName["tenant-two"]!.inputs!.apiToken).toMatchObject({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" });
  expect(seen.some((s) => s.function === "veza:index:getAvailableIntegrations")).toBe(true);
  expect(integrations).toEqual(["SALESFORCE"]);
}, 600_000);
