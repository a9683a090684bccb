/**
 * The provider plugin `veza` through the real Pulumi CLI from a **Python** program: PyPI's `pulumi`
 * (python-env.ts), the plugin's Python SDK generated and pip-installed (the install kept by its
 * contents, python-env.ts), and our Python language host (tools/pulumi-cli/language-python: Pulumi's
 * own is refused by the Go module proxy). The bootstrap
 * shape (a type, profiles, versions with inheritance, a membership) through one stack's life in eight
 * CLI commands: stack init and its config (one `config set-all`), up, a second up with no changes, a preview that
 * sends nothing, refresh after a hand edit in Veza, the up that puts the program's value back,
 * destroy. What the YAML program shows beyond that (look-ups, import, replacement) is the plugin's,
 * not the language's: yaml.test.ts.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { nameOf, stepsOf, type CliResult } from "../../harness/pulumi-cli";
import { ensureSdkgen } from "../../scripts/sdk";
import { describeUnless, pluginCliSkipReason, pluginRig, PLUGIN_FROM_CHECKOUT, type PluginRig } from "./plugin-cli";
import { installGeneratedSdk, pythonWithPulumi } from "./python-env";

const TOKEN = "veza-python-token-MUST-NOT-LEAK-9e4b";
const hostDir = process.env.VEZA_PULUMI_PYTHON_DIR;

/** Why this cannot run here (no CLI, plugin build, Python host, python or PyPI, sdkgen), or undefined. */
function skipReason(): string | undefined {
  const cliOrHost = pluginCliSkipReason(hostDir, process.env.VEZA_PULUMI_PYTHON_SKIP ?? "no Python language host");
  if (cliOrHost) return cliOrHost;
  const py = pythonWithPulumi();
  if (py.reason !== undefined) return py.reason;
  const gen = ensureSdkgen();
  return gen.bin ? undefined : (gen as { reason: string }).reason;
}
const describeWithPython = describeUnless(skipReason());

const PROGRAM = `
import pulumi
import pulumi_veza as veza

kind = veza.AccessProfileType("type", name="Profile", allow_create_relationships=True, allow_inherit_entities=True)
base = veza.AccessProfile("base", name="Base", profile_type=kind.id, labels=["a"], description="managed")
veza.AccessProfileVersion("base-v", access_profile_id=base.id,
                          entities=[veza.EntityArgs(entity_type="SalesforceGroup", datasource_id="sf-1", entity_id="g-base")])
# no name: the plugin's Check takes the logical name
app = veza.AccessProfile("app", profile_type=kind.id)
veza.AccessProfileVersion("app-v", access_profile_id=app.id, inherit_from=[base.id],
                          entities=[veza.EntityArgs(entity_type="SalesforceGroup", datasource_id="sf-1", entity_id="g-app")])
veza.ProfileMembership("app-m", access_profile_id=app.id, version_number=app.current_version_number, identity_ids=["alice"])

pulumi.export("baseId", base.id)
pulumi.export("appVersion", app.current_version_number)
`;

const ops = (r: CliResult) => Object.fromEntries(Object.entries(stepsOf(r.events)).map(([urn, op]) => [nameOf(urn), op]));
function expectOk(r: CliResult): CliResult {
  if (r.code !== 0) throw new Error(`pulumi exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}
const mutations = (byRoute: Record<string, number>) => Object.keys(byRoute).filter((k) => !k.startsWith("GET"));

describeWithPython("the veza plugin from a Python program under the real Pulumi CLI", () => {
  let r: PluginRig;
  let work = "";
  beforeAll(async () => {
    const python = pythonWithPulumi().python!;
    work = fs.mkdtempSync(path.join(os.tmpdir(), "veza-python-program-"));
    // pip-installed as a user would (the SDK reads its own version from the install's metadata), into a folder on PYTHONPATH
    const { site } = installGeneratedSdk(python, work);
    // the venv is the interpreter (the host's `virtualenv` option)
    const pulumiYaml = `name: veza-python\nruntime:\n  name: python\n  options:\n    virtualenv: ${path.dirname(path.dirname(python))}\n${PLUGIN_FROM_CHECKOUT}`;
    r = await pluginRig({
      hostDir: hostDir!,
      files: { "Pulumi.yaml": pulumiYaml, "__main__.py": PROGRAM },
      token: TOKEN,
      env: { PYTHONPATH: site },
    });
  }, 600_000);
  afterAll(async () => {
    await r?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test("up creates the bootstrap shape: the inheritance and the membership are in Veza; the token is nowhere", async () => {
    const up = expectOk(await r.stack.up());
    expect(ops(up)).toEqual({ type: "create", base: "create", "base-v": "create", app: "create", "app-v": "create", "app-m": "create" });
    const base = r.emu.store.findProfileByName("Base")!;
    const app = r.emu.store.findProfileByName("app")!;
    expect(r.emu.store.currentVersion(app)!.inherit_entities_from_access_profiles).toEqual([base.id]);
    expect(r.emu.store.listMembers(app.id, app.current_version_number ?? 1).map((m) => m.identity_id)).toEqual(["alice"]);
    // the stack outputs, from the last command's events (no extra `stack output` command)
    expect(`${up.stdout}`).toContain(base.id);
    expect(r.stack.everythingWritten()).not.toContain(TOKEN);
    expect(`${up.stdout}${up.stderr}`).not.toContain(TOKEN);
  });

  test("a second up changes nothing; `preview --expect-no-changes` sends 0 requests", async () => {
    r.emu.resetStats();
    const up = expectOk(await r.stack.up());
    expect(new Set(Object.values(ops(up)))).toEqual(new Set(["same"]));
    expect(mutations(r.emu.stats().byRoute)).toEqual([]);
    r.emu.resetStats();
    expectOk(await r.stack.run(["preview", "--expect-no-changes"]));
    expect(r.emu.stats().total).toBe(0);
  });

  test("refresh after a hand edit in Veza names the drift; the next up puts the program's value back", async () => {
    const base = r.emu.store.findProfileByName("Base")!;
    r.emu.store.updateProfile(base.id, { labels: ["edited-in-veza"] }, ["labels"]);
    expect(ops(expectOk(await r.stack.refresh())).base).toBe("update");
    const up = expectOk(await r.stack.up());
    expect(ops(up).base).toBe("update");
    expect(r.emu.store.findProfileByName("Base")!.labels).toEqual(["a"]);
  });

  test("destroy removes what the stack made", async () => {
    const d = expectOk(await r.stack.destroy());
    expect(new Set(Object.values(ops(d)))).toEqual(new Set(["delete"]));
    expect(r.emu.store.listProfiles()).toEqual([]);
    expect(r.emu.store.listTypes()).toEqual([]);
  });
});
