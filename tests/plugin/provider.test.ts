/**
 * The plugin's calls without the engine (provider/plugin/provider.ts): what the CLI tests cannot
 * show directly — secrets in and out, a name from the logical name, the provider configuration,
 * previews that send nothing, Read with only an id.
 */
import { startEmulator, type Emulator } from "../../emulator";
import { VezaPlugin, checkConfig, configValues, diffConfig } from "../../provider/plugin/provider";
import { SECRET_SIG, SIG_KEY, UNKNOWN } from "../../provider/pulumi-wire";

const TOKEN = "plugin-unit-token";
const secret = (value: unknown) => ({ [SIG_KEY]: SECRET_SIG, value });
const URN = (type: string, name: string) => `urn:pulumi:dev::p::${type}::${name}`;
const PROFILE = "veza:index:AccessProfile";
const TYPE = "veza:index:AccessProfileType";
const MEMBERSHIP = "veza:index:ProfileMembership";

let emu: Emulator;
let plugin: VezaPlugin;
const warnings: string[] = [];
beforeAll(async () => {
  emu = await startEmulator({ token: TOKEN, seed: 1 });
  plugin = new VezaPlugin((m) => warnings.push(m));
  // the token as the engine sends a secret provider input; the URL from the stack config's variables
  plugin.configure({ apiToken: secret(TOKEN) }, { "veza:url": emu.url }, true);
});
afterAll(() => emu?.close());

test("configuration: provider inputs by their veza:* names, variables fill the rest; typed values read as text", () => {
  expect(
    configValues(
      { url: "https://a.example", maxRetries: 2, adaptivePacing: false },
      { "veza:url": "https://b.example", "veza:logLevel": "info" },
    ),
  ).toMatchObject({
    "veza:url": "https://a.example",
    "veza:maxRetries": "2",
    "veza:adaptivePacing": "false",
    "veza:logLevel": "info",
  });
  expect(checkConfig({ url: "ftp://x", maxRetries: -1, apiToken: "whatever" })).toEqual([
    { property: "url", reason: expect.stringMatching(/^veza:url: /) },
    { property: "maxRetries", reason: "veza:maxRetries: must be a whole number >= 0" },
  ]);
  expect(JSON.stringify(checkConfig({ url: "not a url", apiToken: "s3cret-value" }))).not.toContain("s3cret-value");
  expect(diffConfig({ url: "https://a", apiToken: "t1" }, { url: "https://a", apiToken: "t2" })).toEqual(["apiToken"]);
});

test("check: an unset name is the logical name, used at create only; a bad input fails naming it; an unknown type names the ones there are", () => {
  const checked = plugin.check(TYPE, URN(TYPE, "profile-type"), {}, { allowCreateRelationships: true });
  expect(checked.failures).toEqual([]);
  expect(checked.inputs).toMatchObject({ name: "profile-type", __options: { nameFromLogicalName: true } });
  const bad = plugin.check(PROFILE, URN(PROFILE, "p"), {}, { name: "P", profileType: "t", labels: "x" });
  expect(bad.failures).toEqual([{ property: "labels", reason: 'AccessProfile "P": labels must be a list of strings' }]);
  expect(() => plugin.check("veza:index:Nope", URN("veza:index:Nope", "n"), {}, {})).toThrow(/veza:index:AccessProfileType/);
});

test("secrets: a secret input comes back secret from check, create and read, and the output that carries it (managedIdentityIds) too", async () => {
  const type = await plugin.create(TYPE, { name: "T", allowCreateRelationships: true }, false);
  const profile = await plugin.create(PROFILE, { name: "Sec", profileType: type.id }, false);
  const news = { accessProfileId: profile.id, identityIds: secret(["alice", "bob"]) };
  const checked = plugin.check(MEMBERSHIP, URN(MEMBERSHIP, "m"), {}, news);
  expect(checked.inputs.identityIds).toEqual(secret(["alice", "bob"]));
  const created = await plugin.create(MEMBERSHIP, checked.inputs, false);
  expect(created.outs.identityIds).toEqual(secret(["alice", "bob"]));
  expect(created.outs.managedIdentityIds).toMatchObject({ [SIG_KEY]: SECRET_SIG });
  const read = await plugin.read(MEMBERSHIP, created.id, created.outs, checked.inputs);
  expect(read.outs.managedIdentityIds).toMatchObject({ [SIG_KEY]: SECRET_SIG });
  expect(read.inputs?.identityIds).toMatchObject({ [SIG_KEY]: SECRET_SIG });
});

test("preview: create and update answer unknown computed outputs and send nothing", async () => {
  emu.resetStats();
  const created = await plugin.create(PROFILE, { name: "Later", profileType: UNKNOWN }, true);
  expect(created.id).toBe("");
  expect(created.outs).toMatchObject({ name: "Later", profileType: UNKNOWN, currentVersionNumber: UNKNOWN, createdAt: UNKNOWN });
  const updated = await plugin.update(
    PROFILE,
    "some-id",
    { name: "Later", profileType: "t", labels: ["a"], updatedAt: "x" },
    { name: "Later", profileType: "t", labels: ["b"] },
    true,
  );
  expect(updated).toMatchObject({ labels: ["b"], updatedAt: UNKNOWN });
  expect(emu.stats().total).toBe(0);
});

test("diff: the detailed diff names each changed input and whether it replaces", () => {
  const d = plugin.diff(PROFILE, { name: "A", profileType: "t1", labels: ["a"] }, { name: "A", profileType: "t2", labels: ["b"] });
  expect(d).toEqual({
    changes: true,
    diffs: ["profileType", "labels"],
    replaces: ["profileType"],
    deleteBeforeReplace: true,
    detailedDiff: { profileType: "update-replace", labels: "update" },
  });
  expect(
    plugin.diff(PROFILE, { name: "A", profileType: "t1", labels: ["a", "b"] }, { name: "A", profileType: "t1", labels: ["b", "a"] })
      .changes,
  ).toBe(false);
});

test("read with only an id (pulumi import): outputs and the inputs Veza has values for; a missing id is an error naming it", async () => {
  const t = emu.store.createType({ name: "Imp", allow_create_relationships: true });
  const made = emu.store.createProfile({ name: "Made", profile_type: t.id, labels: ["z"] }).profile;
  // a new plugin process, as each `pulumi import` starts (this one's list walk predates the profile)
  const fresh = new VezaPlugin((m) => warnings.push(m));
  fresh.configure({ url: emu.url, apiToken: secret(TOKEN) }, {}, true);
  const read = await fresh.read(PROFILE, made.id, {}, {});
  expect(read.id).toBe(made.id);
  expect(read.inputs).toEqual({ name: "Made", profileType: t.id, labels: ["z"], requireApprovalToStart: false, state: "INITIAL" });
  await expect(fresh.read(PROFILE, "no-such-id", {}, {})).rejects.toThrow(/no-such-id/);
});

test("invoke: the look-ups as functions; an unknown one names those there are", async () => {
  const r = await plugin.invoke("veza:index:getAvailableIntegrations", {});
  expect(r.integrations).toEqual(expect.arrayContaining(["SALESFORCE"]));
  const l = await plugin.invoke("veza:index:listAccessProfiles", { filter: 'name eq "Made"' });
  expect((l.profiles as { name: string }[]).map((p) => p.name)).toEqual(["Made"]);
  await expect(plugin.invoke("veza:index:nope", {})).rejects.toThrow(/veza:index:listAccessProfiles/);
});

test("customTimeouts: the engine's timeout of a create bounds its attempts against a tenant that keeps failing", async () => {
  // every request answers 503 after 400 ms: the call retries until its deadline or its retries run out
  const failing = await startEmulator({ token: TOKEN, seed: 3, knobs: { rate503: 1, latencyMs: 400 } });
  try {
    const attempts = async (timeoutSeconds: number) => {
      const p = new VezaPlugin((m) => warnings.push(m));
      p.configure({ url: failing.url, apiToken: secret(TOKEN) }, {}, true);
      failing.resetStats();
      await expect(p.create(TYPE, { name: "T", allowCreateRelationships: true }, false, timeoutSeconds)).rejects.toThrow(/503/);
      return failing.stats().total;
    };
    const withTimeout = await attempts(1);
    const withoutTimeout = await attempts(0);
    // an attempt may start until the 1 s deadline, so at most ceil(1000 / 400) + 1 = 4 of 400 ms each
    // (3 on a quiet machine); without a timeout the retries (veza:maxRetries, 6) run out first
    expect(withTimeout).toBeLessThanOrEqual(4);
    expect(withoutTimeout).toBeGreaterThan(withTimeout);
  } finally {
    await failing.close();
  }
}, 60_000);
