/**
 * A JavaScript program on the plugin's generated Node SDK (`@pulumi-veza/veza`, from the schema by
 * Pulumi's Node code generator: scripts/sdk.ts), through the real CLI and our Node.js language host:
 * two explicit providers (two tenants), the bootstrap shape in each, a function with a provider, a
 * second up with no changes, destroy. The generated SDK needs @pulumi/pulumi >= 3.269, newer than
 * this repository's, so the program has its own node_modules: installed once per user into the cache
 * (npm), reused after. Skips with the reason without the CLI, Go, or that install.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type Emulator } from "../../emulator";
import { CliStack, stepsOf, type CliResult } from "../../harness/pulumi-cli";
import { ensureSdkgen, generateSdk } from "../../scripts/sdk";
import { cli, testStackOptions } from "../real-cli/cli";
import { PLUGIN_DIR } from "./plugin-cli";

const PULUMI_RANGE = "^3.269.0";
const TSC = path.resolve(__dirname, "..", "..", "node_modules", ".bin", "tsc");
const TOKEN1 = "node-sdk-one-MUST-NOT-LEAK-e5";
const TOKEN2 = "node-sdk-two-MUST-NOT-LEAK-f6";

/** node_modules with the @pulumi/pulumi the generated SDK needs, made once per user; or why not. */
function programModules(): { dir: string } | { reason: string } {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  const dir = path.join(base, "pulumi-veza", "node-sdk-env", createHash("sha256").update(PULUMI_RANGE).digest("hex").slice(0, 12));
  if (fs.existsSync(path.join(dir, ".ready"))) return { dir };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name: "veza-node-sdk-env", private: true, dependencies: { "@pulumi/pulumi": PULUMI_RANGE } }),
  );
  const r = spawnSync("npm", ["install", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: dir, encoding: "utf8", timeout: 300_000 });
  if (r.status !== 0)
    return { reason: `npm install @pulumi/pulumi@${PULUMI_RANGE} failed: ${`${r.stderr}`.trim().split("\n").slice(-2).join(" ")}` };
  fs.writeFileSync(path.join(dir, ".ready"), "");
  return { dir };
}

const skipReason = (() => {
  if (!cli) return process.env.VEZA_PULUMI_CLI_SKIP ?? "no Pulumi CLI";
  if (!fs.existsSync(path.join(PLUGIN_DIR, "..", "dist", "provider", "plugin", "server.js")))
    return "the plugin is not built (npm run build)";
  const gen = ensureSdkgen();
  if (!gen.bin) return "reason" in gen ? gen.reason : "no sdkgen";
  const mods = programModules();
  return "reason" in mods ? mods.reason : undefined;
})();
const describeIf: jest.Describe = skipReason
  ? (((name: string, fn: () => void) => describe.skip(`${name} [skipped: ${skipReason}]`, fn)) as unknown as jest.Describe)
  : describe;

const PROGRAM = (url1: string, url2: string) => `
const pulumi = require("@pulumi/pulumi");
const veza = require("@pulumi-veza/veza");
const cfg = new pulumi.Config();
const tenants = { one: ${JSON.stringify(url1)}, two: ${JSON.stringify(url2)} };
exports.bases = {};
for (const [tenant, url] of Object.entries(tenants)) {
  const provider = new veza.Provider(tenant, { url, apiToken: cfg.requireSecret("token-" + tenant) });
  const type = new veza.AccessProfileType(tenant + "-type", { name: "Profile", allowCreateRelationships: true, allowInheritEntities: true }, { provider });
  const base = new veza.AccessProfile(tenant + "-base", { name: "Base", profileType: type.id, labels: ["a"] }, { provider });
  new veza.AccessProfileVersion(tenant + "-base-v", { accessProfileId: base.id, entities: [{ entityType: "SalesforceGroup", datasourceId: "sf-1", entityId: "g-" + tenant }] }, { provider });
  const app = new veza.AccessProfile(tenant + "-app", { name: "App " + tenant, profileType: type.id }, { provider });
  new veza.AccessProfileVersion(tenant + "-app-v", { accessProfileId: app.id, inheritFrom: [base.id] }, { provider });
  new veza.ProfileMembership(tenant + "-app-m", { accessProfileId: app.id, versionNumber: app.currentVersionNumber, identityIds: [tenant === "one" ? "alice" : "bob"] }, { provider });
  exports.bases[tenant] = veza.listAccessProfilesOutput({ filter: 'name eq "Base"' }, { provider }).profiles.apply((ps) => ps.length);
}
`;

function expectOk(r: CliResult): void {
  if (r.code !== 0) throw new Error(`pulumi exited ${r.code}\n${r.stdout}\n${r.stderr}`);
}

describeIf("a JavaScript program on the generated Node SDK: two tenants through the real CLI", () => {
  let one: Emulator;
  let two: Emulator;
  let stack: CliStack;
  let dir = "";
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "veza-node-sdk-"));
    const sdk = path.join(dir, "sdk");
    generateSdk("nodejs", sdk);
    const modules = path.join(dir, "node_modules");
    fs.mkdirSync(modules);
    // the cached @pulumi/pulumi and its dependencies, and the SDK compiled into @pulumi-veza/veza
    for (const e of fs.readdirSync(path.join((programModules() as { dir: string }).dir, "node_modules"))) {
      fs.symlinkSync(path.join((programModules() as { dir: string }).dir, "node_modules", e), path.join(modules, e));
    }
    fs.symlinkSync(modules, path.join(sdk, "node_modules"), "dir");
    const tsc = spawnSync(TSC, ["-p", sdk], { encoding: "utf8" });
    if (tsc.status !== 0) throw new Error(`the generated Node SDK does not compile:\n${tsc.stdout}${tsc.stderr}`);
    const pkg = JSON.parse(fs.readFileSync(path.join(sdk, "package.json"), "utf8"));
    fs.mkdirSync(path.join(modules, "@pulumi-veza"));
    fs.cpSync(path.join(sdk, "bin"), path.join(modules, "@pulumi-veza", "veza"), { recursive: true });
    fs.writeFileSync(path.join(modules, "@pulumi-veza", "veza", "package.json"), JSON.stringify({ ...pkg, version: "0.1.0" }));
    one = await startEmulator({ token: TOKEN1, seed: 1 });
    two = await startEmulator({ token: TOKEN2, seed: 2 });
    fs.writeFileSync(
      path.join(dir, "Pulumi.yaml"),
      "name: veza-node-sdk\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n",
    );
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "veza-node-sdk", private: true, main: "index.js" }));
    fs.writeFileSync(path.join(dir, "index.js"), PROGRAM(one.url, two.url));
    stack = await CliStack.create({
      cli: cli!,
      program: { dir },
      config: { "veza-node-sdk:token-one": TOKEN1, "veza-node-sdk:token-two": TOKEN2 },
      secretKeys: ["veza-node-sdk:token-one", "veza-node-sdk:token-two"],
      ...testStackOptions({ PATH: `${cli!.binDir}${path.delimiter}${PLUGIN_DIR}${path.delimiter}${process.env.PATH ?? ""}` }),
    });
  }, 300_000);
  afterAll(async () => {
    stack?.close();
    await one?.close();
    await two?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test("up builds the bootstrap shape in each tenant; a second up changes nothing; destroy empties both", async () => {
    const up = await stack.up();
    expectOk(up);
    expect(Object.values(stepsOf(up.events)).filter((op) => op === "create")).toHaveLength(12);
    for (const [emu, member] of [
      [one, "alice"],
      [two, "bob"],
    ] as const) {
      const base = emu.store.findProfileByName("Base")!;
      const app = emu.store.listProfiles().find((p) => p.name.startsWith("App "))!;
      expect(emu.store.currentVersion(app)!.inherit_entities_from_access_profiles).toEqual([base.id]);
      expect(emu.store.listMembers(app.id, app.current_version_number ?? 1).map((m) => m.identity_id)).toEqual([member]);
    }
    expect(one.store.findProfileByName("App one")).toBeDefined();
    expect(two.store.findProfileByName("App one")).toBeUndefined();
    expect(stack.everythingWritten()).not.toContain(TOKEN2);
    const again = await stack.up();
    expectOk(again);
    expect(new Set(Object.values(stepsOf(again.events)))).toEqual(new Set(["same"]));
    // the function, run with each tenant's provider, sees that tenant's Base
    expect((await stack.outputs()).bases).toEqual({ one: 1, two: 1 });
    expectOk(await stack.destroy());
    expect(one.store.listProfiles()).toEqual([]);
    expect(two.store.listProfiles()).toEqual([]);
  });
});
