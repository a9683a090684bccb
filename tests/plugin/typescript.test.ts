/**
 * The provider plugin from a TypeScript/JavaScript program under the real Pulumi CLI (our Node.js
 * language host): two explicit `veza` providers, one per tenant, in one stack, and the resource
 * options the dynamic provider cannot honour (README "Resource options"): `replaceOnChanges` and
 * `protect` are the engine's, and work here. The program uses @pulumi/pulumi's generic
 * `ProviderResource`/`CustomResource` with the plugin's tokens: the generated Node SDK
 * (tools/pulumi-sdkgen) needs @pulumi/pulumi >= 3.269, newer than this repository's.
 */
import { startEmulator, type Emulator } from "../../emulator";
import { CliStack, nameOf, stepsOf, type CliResult } from "../../harness/pulumi-cli";
import { cli, testStackOptions } from "../real-cli/cli";
import { describeWithYaml as describeWithPlugin, PLUGIN_DIR } from "./plugin-cli";
import * as path from "node:path";

const TOKEN1 = "ts-tenant-one-MUST-NOT-LEAK-c3";
const TOKEN2 = "ts-tenant-two-MUST-NOT-LEAK-d4";

const program = (url1: string, url2: string) => `
const pulumi = require("@pulumi/pulumi");
const cfg = new pulumi.Config("demo");
const veza = (name, url, token) => new pulumi.ProviderResource("veza", name, { url, apiToken: token });
const one = veza("one", ${JSON.stringify(url1)}, cfg.requireSecret("tokenOne"));
const two = veza("two", ${JSON.stringify(url2)}, cfg.requireSecret("tokenTwo"));
const res = (type, name, props, opts) => new pulumi.CustomResource("veza:index:" + type, name, props, opts);
for (const [tenant, provider] of [["one", one], ["two", two]]) {
  const type = res("AccessProfileType", tenant + "-type", { name: "Profile", allowCreateRelationships: true }, { provider });
  res("AccessProfile", tenant + "-profile", {
    name: "Sales " + tenant,
    profileType: type.id,
    description: cfg.get("description") || "first",
  }, { provider, replaceOnChanges: ["description"], protect: cfg.getBoolean("protect") || false });
}
`;

function expectOk(r: CliResult): void {
  if (r.code !== 0) throw new Error(`pulumi exited ${r.code}\n${r.stdout}\n${r.stderr}`);
}
const ops = (r: CliResult) => Object.fromEntries(Object.entries(stepsOf(r.events)).map(([urn, op]) => [nameOf(urn), op]));

describeWithPlugin("the veza plugin from a JavaScript program: two explicit providers, replaceOnChanges, protect", () => {
  let one: Emulator;
  let two: Emulator;
  let stack: CliStack;
  beforeAll(async () => {
    one = await startEmulator({ token: TOKEN1, seed: 1 });
    two = await startEmulator({ token: TOKEN2, seed: 2 });
    stack = await CliStack.create({
      cli: cli!,
      program: program(one.url, two.url),
      config: { "demo:tokenOne": TOKEN1, "demo:tokenTwo": TOKEN2 },
      secretKeys: ["demo:tokenOne", "demo:tokenTwo"],
      // the plugin from this checkout, on PATH as an installed plugin would be found
      ...testStackOptions({ PATH: `${cli!.binDir}${path.delimiter}${PLUGIN_DIR}${path.delimiter}${process.env.PATH ?? ""}` }),
    });
  }, 120_000);
  afterAll(async () => {
    stack?.close();
    await one?.close();
    await two?.close();
  });

  test("up: each tenant gets its own type and profile", async () => {
    const up = await stack.up();
    expectOk(up);
    expect(ops(up)).toEqual({ "one-type": "create", "one-profile": "create", "two-type": "create", "two-profile": "create" });
    expect(one.store.listProfiles().map((p) => p.name)).toEqual(["Sales one"]);
    expect(two.store.listProfiles().map((p) => p.name)).toEqual(["Sales two"]);
    expect(stack.everythingWritten()).not.toContain(TOKEN2);
  });

  test("replaceOnChanges: a description change (an update for the provider) replaces both profiles", async () => {
    const before = [one, two].map((e) => e.store.listProfiles()[0]!.id);
    await stack.setConfig("demo:description", "second");
    const up = await stack.up();
    expectOk(up);
    expect(ops(up)).toMatchObject({ "one-profile": expect.stringMatching(/replace/), "two-profile": expect.stringMatching(/replace/) });
    const after = [one, two].map((e) => e.store.listProfiles()[0]!);
    expect(after.map((p) => p.description)).toEqual(["second", "second"]);
    expect(after[0]!.id).not.toBe(before[0]);
    expect(after[1]!.id).not.toBe(before[1]);
  });

  test("protect: destroy refuses a protected profile and deletes nothing of it", async () => {
    await stack.setConfig("demo:protect", "true");
    expectOk(await stack.up());
    const d = await stack.destroy();
    expect(d.code).not.toBe(0);
    expect(`${d.stdout}${d.stderr}`).toMatch(/protect/);
    expect(one.store.listProfiles().map((p) => p.name)).toEqual(["Sales one"]);
    await stack.setConfig("demo:protect", "false");
    expectOk(await stack.up());
    expectOk(await stack.destroy());
    expect(one.store.listProfiles()).toEqual([]);
    expect(two.store.listProfiles()).toEqual([]);
  });
});
