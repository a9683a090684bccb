/**
 * One stack's life under the real Pulumi CLI (scripts/pulumi-cli.ts), against the emulator, in the
 * routes mode of the jest project ("all" and "documented"). The tests run in order on one stack,
 * as a user's commands do; each says what the CLI must show.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { nameOf, stepsOf, type CliResult } from "../../harness/pulumi-cli";
import { cliRig, describeWithCli, expectHandEditRoundTrip, TOKEN, type CliRig } from "./cli";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const documentedOnly = process.env.VEZA_EMULATOR_ROUTES === "documented";

/** The program: its shape follows `demo:*` stack config, so each step is a `pulumi config set`. */
const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const veza = require("pulumi-veza");
const cfg = new pulumi.Config("demo");
const labels = cfg.getObject("labels") || ["a"];
const members = cfg.getSecretObject("members") || ["alice"];
const type = new veza.AccessProfileType("type", { name: "Profile", allowCreateRelationships: true, allowInheritEntities: true });
const base = new veza.AccessProfile("base", { name: "Base", profileType: type.id, labels, description: "managed" },
  { ignoreChanges: cfg.getBoolean("ignoreDescription") ? ["description"] : [] });
new veza.AccessProfileVersion("base-v", { accessProfileId: base.id,
  entities: [{ entityType: "SalesforceGroup", datasourceId: "sf-1", entityId: "g-base" }] });
const app = new veza.AccessProfile("app", { name: "App", profileType: type.id });
new veza.AccessProfileVersion("app-v", { accessProfileId: app.id, inheritFrom: [base.id],
  entities: [{ entityType: "SalesforceGroup", datasourceId: "sf-1", entityId: "g-app" }] });
new veza.ProfileMembership("app-m", { accessProfileId: app.id, identityIds: members });
if (cfg.getBoolean("extra")) {
  const extra = new veza.AccessProfile("extra", { name: "Extra", profileType: type.id });
  new veza.ProfileMembership("extra-m", { accessProfileId: extra.id, identityIds: ["bob"] });
}
exports.baseId = base.id;
exports.appVersion = app.currentVersionNumber;
if (cfg.getBoolean("lookup")) exports.profilesSeen = veza.listAccessProfiles().then((ps) => ps.map((p) => p.name).sort());
`;

function ops(r: CliResult): Record<string, string> {
  return Object.fromEntries(Object.entries(stepsOf(r.events)).map(([urn, op]) => [nameOf(urn), op]));
}

function expectOk(r: CliResult): void {
  if (r.code !== 0) throw new Error(`pulumi exited ${r.code}\n${r.stdout}\n${r.stderr}`);
}

describeWithCli(`a stack's life under the real Pulumi CLI (routes ${process.env.VEZA_EMULATOR_ROUTES ?? "all"})`, () => {
  let r: CliRig;
  beforeAll(async () => {
    r = await cliRig(PROGRAM);
  }, 120_000);
  afterAll(() => r?.close());

  test("up creates every resource", async () => {
    const up = await r.stack.up();
    expectOk(up);
    expect(ops(up)).toEqual({ type: "create", base: "create", "base-v": "create", app: "create", "app-v": "create", "app-m": "create" });
    const app = r.emu.store.findProfileByName("App")!;
    expect(r.emu.store.listMembers(app.id, app.current_version_number ?? 1).map((m) => m.identity_id)).toEqual(["alice"]);
    const out = await r.stack.outputs();
    expect(out.appVersion).toBe(1);
  });

  test("a second up changes nothing and sends no mutation; `preview --expect-no-changes` passes with 0 requests", async () => {
    r.emu.resetStats();
    const preview = await r.stack.run(["preview", "--expect-no-changes"]);
    expectOk(preview);
    // the look-up is the program's own request: a list, no mutation
    expect(r.emu.stats().total).toBe(0);
    const up = await r.stack.up();
    expectOk(up);
    expect(new Set(Object.values(ops(up)))).toEqual(new Set(["same"]));
    expect(Object.keys(r.emu.stats().byRoute).filter((k) => !k.startsWith("GET"))).toEqual([]);
  });

  test("a look-up in the program reads veza:url and veza:apiToken from `pulumi config`", async () => {
    await r.stack.setConfig("demo:lookup", "true");
    expectOk(await r.stack.up());
    expect((await r.stack.outputs()).profilesSeen).toEqual(["App", "Base"]);
  });

  test("a preview of new resources shows the unknown ids and sends no provider request", async () => {
    await r.stack.setConfig("demo:extra", "true");
    r.emu.resetStats();
    const { doc, result } = await r.stack.previewJson();
    expectOk(result);
    const byName = Object.fromEntries(doc.steps.map((s) => [nameOf(s.urn), s]));
    expect(byName.extra.op).toBe("create");
    expect(byName["extra-m"].op).toBe("create");
    expect(byName["extra-m"].newState?.inputs?.accessProfileId).toBe(UNKNOWN);
    expect(byName.base.op).toBe("same");
    // only the program's own look-up reached the emulator
    expect(Object.keys(r.emu.stats().byRoute)).toEqual(["GET access_profiles"]);
    const up = await r.stack.up();
    expectOk(up);
    expect(ops(up)).toMatchObject({ extra: "create", "extra-m": "create", base: "same" });
  });

  test("refresh after a hand edit in Veza names the drift; the next up puts the program's value back", async () => {
    await expectHandEditRoundTrip(r.stack, r.emu);
  });

  test("ignoreChanges holds across refresh: a description edited in Veza stays", async () => {
    await r.stack.setConfig("demo:ignoreDescription", "true");
    const base = r.emu.store.findProfileByName("Base")!;
    r.emu.store.updateProfile(base.id, { description: "edited-in-veza" }, ["description"]);
    expectOk(await r.stack.refresh());
    r.emu.resetStats();
    const up = await r.stack.up();
    expectOk(up);
    expect(ops(up).base).toBe("same");
    expect(r.emu.store.findProfileByName("Base")!.description).toBe("edited-in-veza");
  });

  test("secrets: the secret member list is encrypted in `pulumi stack export`; the token is in no file the stack wrote", async () => {
    await r.stack.setConfig("demo:members", JSON.stringify(["alice", "carol"]), true);
    const up = await r.stack.up();
    expectOk(up);
    expect(ops(up)["app-m"]).toBe("update");
    const exported = await r.stack.exportState();
    const m = exported.deployment.resources!.find((x) => nameOf(x.urn) === "app-m")!;
    expect(m.inputs?.identityIds).toMatchObject({
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      ciphertext: expect.any(String),
    });
    expect(m.outputs?.identityIds).toMatchObject({ ciphertext: expect.any(String) });
    // the stack's key is the tests' Vault stand-in's (tests/support/vault-transit.ts), not a passphrase
    expect(fs.readFileSync(path.join(r.stack.programDir, `Pulumi.${r.stack.stack}.yaml`), "utf8")).toMatch(
      /^secretsprovider: hashivault:\/\//m,
    );
    const written = r.stack.everythingWritten();
    expect(written).not.toContain(TOKEN);
    expect(written).not.toContain('"carol"');
    expect(`${up.stdout}${up.stderr}`).not.toContain(TOKEN);
  });

  test("token rotation: refresh and destroy configure the provider from the config saved at the last up", async () => {
    const rotated = `${TOKEN}-rotated`;
    await r.stack.setConfig("veza:apiToken", rotated, true);
    r.emu.setToken(rotated);
    // the state still holds the old token: the CLI's refresh uses it, and Veza refuses it
    const refresh = await r.stack.refresh();
    expect(refresh.code).not.toBe(0);
    expect(`${refresh.stdout}${refresh.stderr}`).toMatch(/401|token/i);
    expect(`${refresh.stdout}${refresh.stderr}`).not.toContain(TOKEN);
    // an up saves the new config; then refresh works
    expectOk(await r.stack.up());
    expectOk(await r.stack.refresh());
  });

  test("destroy removes what the stack made (a tenant without DELETE routes retires the profiles and says so)", async () => {
    const d = await r.stack.destroy();
    expectOk(d);
    const gone = Object.values(ops(d));
    expect(new Set(gone)).toEqual(new Set(["delete"]));
    const profiles = r.emu.store.listProfiles();
    if (documentedOnly) {
      // no DELETE route: each profile is retired (paused, content cleared), with a warning
      expect(profiles.map((p) => [p.name, p.state])).toEqual(
        expect.arrayContaining([
          ["Base", "PAUSED"],
          ["App", "PAUSED"],
        ]),
      );
      expect(`${d.stdout}${d.stderr}`).toMatch(/warning/i);
    } else {
      expect(profiles).toEqual([]);
    }
    // no member the stack granted is left
    for (const p of profiles) expect(r.emu.store.listMembers(p.id, p.current_version_number ?? 1)).toEqual([]);
  });
});
