/**
 * Two Veza tenants in one stack: the default provider (stack config `veza:*`) and an explicit
 * `pulumi:providers:veza` with its own URL and token (the token from a secret config value), each
 * resource going where its provider says. The dynamic provider cannot do this (one tenant per stack).
 */
import { startEmulator, type Emulator } from "../../emulator";
import { nameOf, stepsOf, type CliResult } from "../../harness/pulumi-cli";
import { describeWithYaml, yamlRig, type YamlRig } from "./plugin-cli";

const TOKEN = "tenant-one-token-MUST-NOT-LEAK-a1";
const TOKEN2 = "tenant-two-token-MUST-NOT-LEAK-b2";

const program = (url2: string) => `
config:
  tenantTwoToken:
    type: string
    secret: true
resources:
  tenant-two:
    type: pulumi:providers:veza
    properties:
      url: ${url2}
      apiToken: \${tenantTwoToken}
  one-type:
    type: veza:index:AccessProfileType
    properties:
      name: Profile
      allowCreateRelationships: true
  two-type:
    type: veza:index:AccessProfileType
    properties:
      name: Profile
      allowCreateRelationships: true
    options:
      provider: \${tenant-two}
  two-profile:
    type: veza:index:AccessProfile
    properties:
      name: Only In Two
      profileType: \${two-type.id}
    options:
      provider: \${tenant-two}
`;

function expectOk(r: CliResult): void {
  if (r.code !== 0) throw new Error(`pulumi exited ${r.code}\n${r.stdout}\n${r.stderr}`);
}

describeWithYaml("two tenants in one stack: the default provider and an explicit veza provider", () => {
  let r: YamlRig;
  let two: Emulator;
  beforeAll(async () => {
    two = await startEmulator({ token: TOKEN2, seed: 2 });
    r = await yamlRig(program(two.url), TOKEN, { "veza-yaml:tenantTwoToken": TOKEN2 }, ["veza-yaml:tenantTwoToken"]);
  }, 120_000);
  afterAll(async () => {
    await r?.close();
    await two?.close();
  });

  test("up puts each resource in its provider's tenant; the second token is encrypted in the state and in no file or output", async () => {
    const up = await r.stack.up();
    expectOk(up);
    const ops = Object.fromEntries(Object.entries(stepsOf(up.events)).map(([urn, op]) => [nameOf(urn), op]));
    expect(ops).toEqual({ "one-type": "create", "two-type": "create", "two-profile": "create" });
    expect(r.emu.store.listTypes().map((t) => t.name)).toEqual(["Profile"]);
    expect(r.emu.store.listProfiles()).toEqual([]);
    expect(two.store.listTypes().map((t) => t.name)).toEqual(["Profile"]);
    expect(two.store.listProfiles().map((p) => p.name)).toEqual(["Only In Two"]);
    const state = await r.stack.exportState();
    const provider = state.deployment.resources!.find((x) => nameOf(x.urn) === "tenant-two")!;
    expect(provider.inputs?.apiToken).toMatchObject({
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      ciphertext: expect.any(String),
    });
    const written = r.stack.everythingWritten();
    expect(written).not.toContain(TOKEN);
    expect(written).not.toContain(TOKEN2);
    expect(`${up.stdout}${up.stderr}`).not.toContain(TOKEN2);
  });

  test("a second up changes nothing in either tenant; destroy empties both", async () => {
    r.emu.resetStats();
    two.resetStats();
    const up = await r.stack.up();
    expectOk(up);
    expect(new Set(Object.values(stepsOf(up.events)))).toEqual(new Set(["same"]));
    for (const e of [r.emu, two]) expect(Object.keys(e.stats().byRoute).filter((k) => !k.startsWith("GET"))).toEqual([]);
    expectOk(await r.stack.destroy());
    expect(r.emu.store.listTypes()).toEqual([]);
    expect(two.store.listTypes()).toEqual([]);
    expect(two.store.listProfiles()).toEqual([]);
  });
});
