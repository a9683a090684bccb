/**
 * Token rotation under the CLI's rules: `pulumi refresh` and `pulumi destroy` configure the provider
 * from the config saved in state at the last `up` (the engine models this), so after a rotation the
 * old token reaches them whatever the current stack config says. A token from config that the
 * server refuses (401) falls back to a different token from the environment, for every command.
 */
import * as veza from "../../provider";
import { closeAllPools, VezaClient } from "../../provider/client/client";
import { Credentials } from "../../provider/client/credentials";
import { rig, tenant, TOKEN, type Rig } from "../resources/helpers";

const NEW_TOKEN = "veza-rotated-token-DO-NOT-LEAK-77ab";
const WARNING = "the token from stack config was refused (401); using VEZA_API_TOKEN from the environment";

let r: Rig;
beforeEach(async () => {
  r = await rig();
});
afterEach(async () => {
  await r.close();
  await closeAllPools();
});

const program = () => {
  const t = new veza.AccessProfileType("rot-type", { name: "Rotation Type", allowCreateRelationships: true });
  new veza.AccessProfile("rot-profile", { name: "Rotation Profile", profileType: t.id, labels: ["a"] });
};

/** Neither token may appear in state, provider stderr or any error message. */
function expectNoToken(texts: string[]): void {
  for (const text of texts) {
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(NEW_TOKEN);
  }
}

test("refresh and destroy after a token rotation use the environment token (config saved in state holds the old one)", async () => {
  const up = await r.engine().up(program);
  expect(up.errors).toEqual([]);
  r.emu.setToken(NEW_TOKEN);

  // The user updates the stack config too; refresh still configures the provider from the saved config.
  const configOnly = r.engine({ config: { "veza:apiToken": NEW_TOKEN } });
  const refused = await configOnly.refresh();
  expect(refused.errors.length).toBeGreaterThan(0);
  expect(refused.errors[0].message).toMatch(/401/);
  expectNoToken([refused.stderr, ...refused.errors.map((e) => e.message)]);

  const rotated = r.engine({ config: { "veza:apiToken": NEW_TOKEN }, env: { VEZA_API_TOKEN: NEW_TOKEN } });
  const refreshed = await rotated.refresh();
  expect(refreshed.errors).toEqual([]);
  expect(refreshed.warnings.filter((w) => w.includes(WARNING))).toHaveLength(1);
  expect(Object.values(refreshed.resources).map((x) => x.op)).toEqual(["same", "same"]);

  const destroyed = await rotated.destroy();
  expect(destroyed.errors).toEqual([]);
  expect(destroyed.warnings.filter((w) => w.includes(WARNING))).toHaveLength(1);
  expect(tenant(r.emu)).toEqual({ types: [], profiles: [] });
  expectNoToken([rotated.stateText(), refreshed.stderr, destroyed.stderr, up.stderr, configOnly.stateText()]);
}, 240_000);

test("up after a token rotation with only the environment token updated succeeds and warns once", async () => {
  expect((await r.engine().up(program)).errors).toEqual([]);
  r.emu.setToken(NEW_TOKEN);
  const e = r.engine({ env: { VEZA_API_TOKEN: NEW_TOKEN } });
  const s = await e.up(() => {
    const t = new veza.AccessProfileType("rot-type", { name: "Rotation Type", allowCreateRelationships: true });
    new veza.AccessProfile("rot-profile", { name: "Rotation Profile", profileType: t.id, labels: ["b"] });
  });
  expect(s.errors).toEqual([]);
  expect(s.updates).toBe(1);
  expect(s.warnings.filter((w) => w.includes(WARNING))).toHaveLength(1);
  expect(r.emu.store.listProfiles()[0].labels).toEqual(["b"]);
  expectNoToken([e.stateText(), s.stderr]);
  // the saved config now comes from this up (still the old token: the stack config was not changed)
  expect((await e.destroy()).errors).toEqual([]);
}, 180_000);

describe("client", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  test("a refused config token is sent once per context (the clients sharing its Credentials); later calls go with the environment token", async () => {
    r.emu.setToken(NEW_TOKEN);
    process.env.VEZA_API_TOKEN = NEW_TOKEN;
    const stackConfig = { "veza:url": r.emu.url, "veza:apiToken": TOKEN };
    r.emu.resetStats();
    const stderr: string[] = [];
    const spy = jest.spyOn(process.stderr, "write").mockImplementation((chunk: any) => (stderr.push(String(chunk)), true));
    const warn = jest.spyOn(console, "warn").mockImplementation((...a: unknown[]) => void stderr.push(a.join(" ")));
    const log = jest.spyOn(console, "log").mockImplementation((...a: unknown[]) => void stderr.push(a.join(" ")));
    const err = jest.spyOn(console, "error").mockImplementation((...a: unknown[]) => void stderr.push(a.join(" ")));
    try {
      const credentials = new Credentials();
      for (let i = 0; i < 3; i++)
        expect(await new VezaClient({ stackConfig, credentials }).call("availableIntegrations").catch((e) => e)).not.toBeInstanceOf(Error);
    } finally {
      spy.mockRestore();
      warn.mockRestore();
      log.mockRestore();
      err.mockRestore();
    }
    expect(r.emu.stats().byStatus["401"]).toBe(1);
    expect(stderr.filter((l) => l.includes(WARNING))).toHaveLength(1);
    expectNoToken(stderr);
  });

  test("a token given explicitly or taken from the environment does not fall back", async () => {
    r.emu.setToken(NEW_TOKEN);
    process.env.VEZA_API_TOKEN = NEW_TOKEN;
    const explicit = await new VezaClient({ url: r.emu.url, token: TOKEN }).call("availableIntegrations").catch((e) => e);
    expect(explicit).toBeInstanceOf(veza.VezaApiError);
    expect(explicit.status).toBe(401);
    expect(String(explicit.message)).not.toContain(TOKEN);
  });
});
