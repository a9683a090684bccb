/**
 * The Python SDK of the provider plugin, generated (never committed) from the schema by Pulumi's own
 * Python code generator (scripts/sdk.ts → tools/pulumi-sdkgen), installed with pip and used with
 * PyPI's `pulumi` under the SDK's mock runtime (tests/plugin/python/check_sdk.py): every resource,
 * a nested object type, an explicit provider with a secret token and a function register with the
 * plugin's tokens and camelCase inputs.
 *
 * A Python program through the CLI, on our own Python language host: python.test.ts.
 *
 * Skips, with the reason, without python3 or Go; the venv (PyPI's pulumi) is made once per user in
 * the cache and reused.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ensureSdkgen } from "../../scripts/sdk";
import { installGeneratedSdk, pythonWithPulumi } from "./python-env";

const CHECK = path.join(__dirname, "python", "check_sdk.py");

const py = pythonWithPulumi();
const gen = py.python ? ensureSdkgen() : { reason: "no python" };
const reason = py.reason !== undefined ? py.reason : gen.bin ? undefined : (gen as { reason: string }).reason;
const maybe = reason ? test.skip : test;

let work = "";
afterAll(() => work && fs.rmSync(work, { recursive: true, force: true }));

maybe(
  `the generated Python SDK installs and registers every resource with the plugin's tokens${reason ? ` [skipped: ${reason}]` : ""}`,
  () => {
    const python = py.python!;
    work = fs.mkdtempSync(path.join(os.tmpdir(), "veza-python-sdk-"));
    const { site, sdk, files } = installGeneratedSdk(python, work);
    expect(files).toEqual(
      expect.arrayContaining([
        "setup.py",
        "pulumi_veza/access_profile.py",
        "pulumi_veza/profile_membership.py",
        "pulumi_veza/provider.py",
        "pulumi_veza/list_access_profiles.py",
      ]),
    );
    expect(JSON.parse(fs.readFileSync(path.join(sdk, "pulumi_veza", "pulumi-plugin.json"), "utf8"))).toMatchObject({
      resource: true,
      name: "veza",
    });
    const run = spawnSync(python, [CHECK, site], { encoding: "utf8", timeout: 120_000 });
    if (run.status !== 0) throw new Error(`check_sdk.py failed:\n${run.stderr}${run.stdout}`);
    const { seen, integrations } = JSON.parse(run.stdout.trim().split("\n").pop()!) as {
      seen: { type?: string; name?: string; function?: string; inputs?: Record<string, unknown> }[];
      integrations: string[];
    };
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
    expect(byName.base!.inputs).toEqual({
      name: "Base",
      profileType: "type-id",
      labels: ["a"],
      catalogItemInfo: { name: "Base", recommended: true },
    });
    expect(byName["app-v"]!.inputs).toMatchObject({
      accessProfileId: "app-id",
      inheritFrom: ["base-id"],
      entities: [{ entityType: "SalesforceGroup", datasourceId: "sf-1", entityId: "g-app" }],
    });
    // an entity's condition is an object type (EntityConditionArgs), its grantBy a name or a number
    expect((byName["app-v"]!.inputs!.entities as Record<string, unknown>[])[0]).toMatchObject({
      condition: { type: "ATTRIBUTE", conditionString: 'department eq "Sales"' },
      grantBy: 2,
    });
    // the provider's token is secret (the schema says so)
    expect(byName["tenant-two"]!.inputs!.apiToken).toMatchObject({
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
    });
    expect(seen.some((s) => s.function === "veza:index:getAvailableIntegrations")).toBe(true);
    expect(integrations).toEqual(["SALESFORCE"]);
  },
  600_000,
);
