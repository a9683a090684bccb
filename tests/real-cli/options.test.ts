/**
 * What the real Pulumi CLI does with the commands and options the test engine does not model
 * (harness/README.md), written down as tests: `pulumi import` (the command) on a dynamic resource,
 * `pulumi refresh --preview-only`, `pulumi up --refresh`, `protect`, `retainOnDelete`, `deletedWith`,
 * and the display of a membership update after a refresh.
 */
import { nameOf, stepsOf, type CliResult } from "../../harness/pulumi-cli";
import { cliRig, describeWithCli, type CliRig } from "./cli";

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const veza = require("pulumi-veza");
const cfg = new pulumi.Config("demo");
const type = new veza.AccessProfileType("type", { name: "Profile", allowCreateRelationships: true }, { protect: cfg.getBoolean("protectType") || false });
const p = new veza.AccessProfile("p", { name: "Sales", profileType: type.id, labels: ["a"] });
new veza.ProfileMembership("m", { accessProfileId: p.id, identityIds: ["alice"] }, { deletedWith: cfg.getBoolean("deletedWith") ? p : undefined });
if (!cfg.getBoolean("dropKept")) new veza.AccessProfile("kept", { name: "Kept", profileType: type.id }, { retainOnDelete: true });
exports.profileId = p.id;
`;

function ops(r: CliResult): Record<string, string> {
  return Object.fromEntries(Object.entries(stepsOf(r.events)).map(([urn, op]) => [nameOf(urn), op]));
}
const text = (r: CliResult) => `${r.stdout}\n${r.stderr}`;
function expectOk(r: CliResult): void {
  if (r.code !== 0) throw new Error(`pulumi exited ${r.code}\n${text(r)}`);
}

describeWithCli("commands and options under the real Pulumi CLI", () => {
  let r: CliRig;
  beforeAll(async () => {
    r = await cliRig(PROGRAM);
    expectOk(await r.stack.up());
  }, 120_000);
  afterAll(() => r?.close());

  test("`pulumi import` (the command) cannot import a dynamic resource: the dynamic-provider server fails before our code runs", async () => {
    const id = r.emu.store.findProfileByName("Sales")!.id;
    const imp = await r.stack.run(["import", "pulumi-nodejs:dynamic/veza:AccessProfile", "imported", id, "--yes"]);
    expect(imp.code).not.toBe(0);
    expect(text(imp)).toContain("code must be a string, not undefined");
  });

  test("refresh --preview-only shows the drift and writes nothing; up --refresh reads and corrects it in one command", async () => {
    const p = r.emu.store.findProfileByName("Sales")!;
    r.emu.store.updateProfile(p.id, { labels: ["edited-in-veza"] }, ["labels"]);
    const before = JSON.stringify((await r.stack.exportState()).deployment.resources);
    r.emu.resetStats();
    const preview = await r.stack.run(["refresh", "--preview-only"]);
    expectOk(preview);
    expect(text(preview)).toMatch(/~\s+pulumi-nodejs:dynamic\/veza:AccessProfile p update\s+\[diff: ~labels\]/);
    expect(Object.keys(r.emu.stats().byRoute).every((k) => k.startsWith("GET"))).toBe(true);
    expect(JSON.stringify((await r.stack.exportState()).deployment.resources)).toBe(before);
    const up = await r.stack.run(["up", "--yes", "--skip-preview", "--refresh"]);
    expectOk(up);
    expect(r.emu.store.findProfileByName("Sales")!.labels).toEqual(["a"]);
  });

  test("a membership whose members changed in Veza shows as an update after refresh, naming the inputs the read changed", async () => {
    const p = r.emu.store.findProfileByName("Sales")!;
    r.emu.store.changeMembers(p.id, p.current_version_number, {
      access_profile_id: p.id,
      version_number: p.current_version_number,
      type: "REMOVE",
      identity_ids: ["alice"],
    });
    const refresh = await r.stack.refresh();
    expectOk(refresh);
    expect(ops(refresh).m).toBe("update");
    // the display compares the old inputs with those Read returned
    expect(refresh.stdout).toMatch(/ProfileMembership m updated?.*\[diff: [^\]]*identityIds/);
    const up = await r.stack.up();
    expectOk(up);
    expect(r.emu.store.listMembers(p.id, p.current_version_number).map((x) => x.identity_id)).toEqual(["alice"]);
  });

  test("retainOnDelete: a resource removed from the program leaves Veza's object; protect refuses a destroy; deletedWith skips the membership's delete", async () => {
    await r.stack.setConfig("demo:dropKept", "true");
    const drop = await r.stack.up();
    expectOk(drop);
    expect(ops(drop).kept).toBe("delete");
    const kept = r.emu.store.findProfileByName("Kept");
    expect(kept).toBeDefined();
    // the retained profile would keep its type from being deleted (Veza refuses a type with profiles)
    r.emu.store.deleteProfile(kept!.id);

    await r.stack.setConfigs({ "demo:protectType": "true", "demo:deletedWith": "true" });
    expectOk(await r.stack.up());
    const refused = await r.stack.destroy();
    expect(refused.code).not.toBe(0);
    expect(text(refused)).toMatch(/protect/i);
    expect(r.emu.store.findTypeByName("Profile")).toBeDefined();

    await r.stack.setConfig("demo:protectType", "false");
    expectOk(await r.stack.up());
    r.emu.resetStats();
    const destroy = await r.stack.destroy();
    expectOk(destroy);
    // the membership went with its profile: no REMOVE of its members was sent
    expect(r.emu.requests().filter((q) => q.method === "PUT")).toEqual([]);
    expect(r.emu.store.findProfileByName("Sales")).toBeUndefined();
  });
});

const TAKEOVER = `
const pulumi = require("@pulumi/pulumi");
const veza = require("pulumi-veza");
const cfg = new pulumi.Config("demo");
const type = new veza.AccessProfileType("type", { name: "Profile" });
// read, never managed
const seen = veza.AccessProfile.get("seen", cfg.require("seenId"));
// taken over by the import option
new veza.AccessProfile("taken", { name: "Taken", profileType: cfg.require("takenType"), labels: ["x"] }, { import: cfg.require("takenId") });
// a name that exists in Veza already, without adoptExisting: fails with 409
new veza.AccessProfile("clash", { name: "Clash", profileType: type.id });
for (let i = 0; i < 4; i++) new veza.AccessProfile("free-" + i, { name: "Free " + i, profileType: type.id });
exports.seenLabels = seen.labels;
`;

describeWithCli(".get, the import option, --parallel and --continue-on-error under the real Pulumi CLI", () => {
  let r: CliRig;
  beforeAll(async () => {
    r = await cliRig(TAKEOVER);
  }, 120_000);
  afterAll(() => r?.close());

  test("get reads, import takes over, a clash fails alone with --continue-on-error, and --parallel 1 sends one request at a time", async () => {
    const t = r.emu.store.createType({ name: "Made by hand" });
    const { profile: seen } = r.emu.store.createProfile({ name: "Seen", profile_type: t.id, labels: ["in-veza"] });
    const { profile: taken } = r.emu.store.createProfile({ name: "Taken", profile_type: t.id, labels: ["x"] });
    r.emu.store.createProfile({ name: "Clash", profile_type: t.id });
    await r.stack.setConfigs({ "demo:seenId": seen.id, "demo:takenId": taken.id, "demo:takenType": t.id });
    r.emu.resetStats();
    const up = await r.stack.up(["--parallel", "1", "--continue-on-error"]);
    expect(up.code).not.toBe(0);
    const steps = ops(up);
    // the class takes over the import id itself (a dynamic provider's Read cannot serve the engine's
    // import), so the CLI shows a create: of the object that exists, not a new one
    expect(steps).toMatchObject({ seen: "read", taken: "create", clash: "failed", "free-0": "create", "free-3": "create" });
    expect(r.emu.store.listProfiles().filter((p) => p.name === "Taken")).toHaveLength(1);
    expect(text(up)).toMatch(/Clash[\s\S]*adoptExisting/);
    expect(r.emu.stats().peakInFlight).toBe(1);
    const exported = await r.stack.exportState();
    const byName = Object.fromEntries(exported.deployment.resources!.map((x) => [nameOf(x.urn), x]));
    expect(byName.seen.external).toBe(true);
    expect(byName.taken.id).toBe(taken.id);
    expect(byName.clash).toBeUndefined();
  });
});
