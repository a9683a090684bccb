/** Typed look-ups and the SCIM filter builder against the emulator, plain and as Outputs inside a program. */
import * as pulumi from "@pulumi/pulumi";
import { AVAILABLE_INTEGRATIONS } from "../../emulator";
import * as veza from "../../provider";
import { closeAllPools } from "../../provider/client/client";
import { rig, TOKEN, type Rig } from "../resources/helpers";

const f = veza.filter;
let r: Rig;
let conn: { url: string; token: string };
let typeA: string;
let typeB: string;

const ODD = 'Odd "quoted" \\ name';

beforeAll(async () => {
  r = await rig();
  conn = { url: r.emu.url, token: TOKEN };
  const s = r.emu.store;
  typeA = s.createType({ name: "A", allow_create_relationships: true }).id;
  typeB = s.createType({ name: "B" }).id;
  for (let i = 0; i < 250; i++) {
    s.createProfile({
      name: i === 249 ? ODD : `P${i}`,
      profile_type: i % 2 ? typeB : typeA,
      labels: i % 5 === 0 ? ["requestable"] : [],
      state: i % 3 === 0 ? "RUNNING" : "INITIAL",
      require_approval_to_start: i % 7 === 0,
      ...(i % 2 === 0 && i % 10 === 0
        ? { entities_to_create_relationships_to: [{ entity_type: "SalesforceGroup", datasource_id: "sf-1", entity_id: `org:${i}` }] }
        : {}),
    });
  }
});
afterAll(async () => {
  await r.close();
  await closeAllPools();
});

test("listAccessProfiles reads every page (250 profiles) and returns the camelCase shape", async () => {
  r.emu.resetStats();
  const all = await veza.listAccessProfiles({ connection: conn });
  expect(all).toHaveLength(250);
  expect(r.emu.stats().byRoute["GET access_profiles"]).toBe(3);
  expect(new Set(all.map((p) => p.id)).size).toBe(250);
  const p30 = all.find((p) => p.name === "P30")!;
  expect(p30).toMatchObject({
    profileType: typeA,
    state: "RUNNING",
    labels: ["requestable"],
    currentVersionNumber: 1,
    integrations: ["SALESFORCE"],
    providerIds: ["sf-1"],
  });
  expect(Object.keys(p30).filter((k) => k.includes("_"))).toEqual([]);
});

test("connection settings come from the environment like the provider's", async () => {
  const saved = { ...process.env };
  process.env.VEZA_URL = r.emu.url;
  process.env.VEZA_API_TOKEN = TOKEN;
  try {
    expect(await veza.listAccessProfiles({ filter: f.eq("name", "P1") })).toHaveLength(1);
    expect(await veza.getAvailableIntegrations()).toEqual([...AVAILABLE_INTEGRATIONS]);
    delete process.env.VEZA_API_TOKEN;
    process.env.VEZA_TOKEN = TOKEN;
    expect(await veza.listAccessProfiles({ filter: f.eq("name", "P2") })).toHaveLength(1);
    delete process.env.VEZA_URL;
    await expect(veza.listAccessProfiles()).rejects.toThrow(/veza:url.*VEZA_URL/);
  } finally {
    process.env = saved;
  }
});

test.each<[string, () => string, number]>([
  ["eq on the type", () => f.eq("profile_type", typeA), 125],
  ["and", () => f.and(f.eq("profile_type", typeA), f.co("labels", "requestable")), 25],
  ["or", () => f.or(f.eq("name", "P1"), f.eq("name", "P2"), f.eq("name", "missing")), 2],
  ["and of or", () => f.and(f.or(f.eq("name", "P0"), f.eq("name", "P1")), f.eq("profile_type", typeB)), 1],
  ["escaped quotes and backslash", () => f.eq("name", ODD), 1],
  ["sw", () => f.sw("name", "P24"), 10], // P24, P240..P248
  ["ne", () => f.ne("state", "INITIAL"), 84],
  ["integrations co", () => f.co("integrations", "SALESFORCE"), 25],
  ["a single condition through and()", () => f.and(f.eq("name", "P7")), 1],
  // numbers and booleans are written bare (RFC 7644): `state eq 1`, `require_approval_to_start eq true`
  ["a bare number (the state's enum number)", () => f.eq("state", 1), 84],
  ["bare number and boolean", () => f.and(f.eq("current_version_number", 1), f.eq("require_approval_to_start", true)), 36],
  ["a bare number that no profile has", () => f.eq("current_version_number", 2), 0],
])("filter: %s", async (_what, build, expected) => {
  const found = await veza.listAccessProfiles({ connection: conn, filter: build() });
  expect(found).toHaveLength(expected);
});

test("the builder quotes and escapes strings, writes numbers and booleans bare, and rejects bad attributes and empty groups", () => {
  expect(f.eq("name", ODD)).toBe('name eq "Odd \\"quoted\\" \\\\ name"');
  expect(f.and(f.eq("a", 1), f.or(f.co("b", true), f.sw("c", "x")))).toBe('(a eq 1) and ((b co true) or (c sw "x"))');
  expect(f.eq("current_version_number", 3)).toBe("current_version_number eq 3");
  expect(f.ne("require_approval_to_start", false)).toBe("require_approval_to_start ne false");
  expect(f.eq("name", "3")).toBe('name eq "3"'); // a string stays a string
  expect(f.eq("x", -2.5)).toBe("x eq -2.5");
  expect(() => f.eq("current_version_number", NaN)).toThrow('filter value for "current_version_number" is NaN, not a finite number');
  expect(() => f.ne("state", -Infinity)).toThrow('filter value for "state" is -Infinity, not a finite number');
  expect(() => f.eq('name" or 1 eq "1', "x")).toThrow(/not a valid attribute name/);
  expect(() => f.and()).toThrow(/at least one condition/);
  expect(() => f.or("", " ")).toThrow(/at least one condition/);
});

test("entityExtraInfo adds entity details to the current version", async () => {
  const [plain] = await veza.listAccessProfiles({ connection: conn, filter: f.eq("name", "P10") });
  const [extra] = await veza.listAccessProfiles({ connection: conn, filter: f.eq("name", "P10"), entityExtraInfo: true });
  const entities = (p: veza.AccessProfileInfo) => (p.currentVersion as any).entitiesToCreateRelationshipsTo;
  expect(entities(plain)[0]).not.toHaveProperty("entityName");
  expect(entities(extra)[0]).toMatchObject({ entityId: "org:10", entityName: "10", providerId: "sf-1" });
});

test("getAvailableIntegrations resolves to the tenant's integrations", async () => {
  expect(await veza.getAvailableIntegrations({ ...conn })).toEqual([...AVAILABLE_INTEGRATIONS]);
});

test("look-ups inside a program see the stack config in the key form the language host writes (veza:config:*), nothing else", async () => {
  const saved = { ...process.env };
  delete process.env.VEZA_URL;
  delete process.env.VEZA_API_TOKEN;
  delete process.env.VEZA_TOKEN;
  try {
    // the engine passes the rig's config {veza:url, veza:apiToken} to the program as the CLI does
    const s = await r.engine().up(() => ({
      keys: Object.keys(JSON.parse(process.env.PULUMI_CONFIG ?? "{}")).sort(),
      names: veza.listAccessProfilesOutput({ filter: f.eq("name", "P3") }).apply((ps) => ps.map((p) => p.name)),
      integrations: veza.getAvailableIntegrationsOutput(),
    }));
    expect(s.errors).toEqual([]);
    expect(s.outputs).toEqual({
      keys: ["veza:config:apiToken", "veza:config:url"],
      names: ["P3"],
      integrations: [...AVAILABLE_INTEGRATIONS],
    });
    expect(s.stderr).not.toContain(TOKEN);
  } finally {
    process.env = saved;
  }
});

test("the Output variants resolve inside a program run by the engine, with a filter built from a resource's id", async () => {
  const saved = { ...process.env };
  try {
    const e = r.engine();
    const program = () => {
      const t = new veza.AccessProfileType("looked-up-type", { name: "Looked Up", allowCreateRelationships: true });
      const p = new veza.AccessProfile("looked-up", { name: "Looked Up Profile", profileType: t.id, labels: ["x"] });
      const viaType = veza.listAccessProfilesOutput({ filter: pulumi.all([t.id, p.id]).apply(([id]) => f.eq("profile_type", id)) });
      const requestableA = veza.listAccessProfilesOutput({ filter: f.and(f.eq("profile_type", typeA), f.co("labels", "requestable")) });
      return {
        viaType: viaType.apply((ps) => ps.map((x) => x.name)),
        requestableA: requestableA.apply((ps) => ps.length),
        integrations: veza.getAvailableIntegrationsOutput(),
      };
    };
    // preview of the new stack: the type's id is unknown, so the filtered look-up waits (no list with a bogus filter)
    r.emu.resetStats();
    const pv = await e.preview(program);
    expect(pv.errors).toEqual([]);
    expect(
      r.emu.requests().filter((x) => x.route === "GET access_profiles" && (x.query.filter ?? "").startsWith('profile_type eq "04da6b54')),
    ).toEqual([]);
    const s = await e.up(program);
    expect(s.errors).toEqual([]);
    expect(s.outputs).toEqual({ viaType: ["Looked Up Profile"], requestableA: 25, integrations: [...AVAILABLE_INTEGRATIONS] });
    expect((await e.destroy()).errors).toEqual([]);
  } finally {
    process.env = saved;
  }
});
