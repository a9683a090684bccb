/** examples/bootstrap: the catalog-driven root stack, end to end through the test engine and the emulator. */
import * as fs from "node:fs";
import * as path from "node:path";
import { CatalogError, loadCatalog, parseCatalog } from "../../examples/bootstrap/catalog";
import { bootstrap } from "../../examples/bootstrap/program";
import { exampleRig, tenant, TOKEN, REPO, type ExampleRig } from "./helpers";

const CATALOG_FILE = path.join(REPO, "examples", "bootstrap", "catalog.yaml");
const CATALOG_TEXT = fs.readFileSync(CATALOG_FILE, "utf8");

let r: ExampleRig;
beforeEach(async () => {
  r = await exampleRig();
});
afterEach(async () => {
  await r.close();
});

test("up creates the catalog, a second up and a preview change nothing and make no request, destroy empties the tenant", async () => {
  const catalog = loadCatalog(CATALOG_FILE);
  const withMembers = catalog.profiles.filter((p) => p.members !== undefined).length;
  const exclusive = catalog.profiles.filter((p) => p.exclusiveMembers).length;
  const expected = catalog.types.length + 2 * catalog.profiles.length + withMembers;
  const e = r.engine();

  const first = await e.up(() => bootstrap(catalog));
  expect(first.errors).toEqual([]);
  expect(first.creates).toBe(expected);
  const stats = r.emu.stats();
  // one POST per type and profile, one PATCH per version, one PUT per membership (an exclusive
  // membership also lists the members it takes over), and nothing else
  expect(stats.byRoute).toEqual({
    "GET access_profiles/{id}/versions/{version}/members": exclusive,
    "POST access_profiles_types": catalog.types.length,
    "POST access_profiles": catalog.profiles.length,
    "PATCH access_profiles/{id}/versions/{version}": catalog.profiles.length,
    "PUT access_profiles/{id}/versions/{version}/members": withMembers,
  });
  console.log(`bootstrap: ${expected} resources, ${stats.total} requests on the first up`);

  expect(tenant(r.emu)).toEqual({ types: catalog.types.map((t) => t.name).sort(), profiles: catalog.profiles.map((p) => p.name).sort() });
  const store = r.emu.store;
  const ae = store.findProfileByName("Account Executive")!;
  expect([...store.currentVersion(ae)!.inherit_entities_from_access_profiles].sort()).toEqual(
    ["Salesforce Sales User", "Okta Sales Apps", "AD VPN Users"].map((n) => store.findProfileByName(n)!.id).sort(),
  );
  const role = store.findTypeByName("Business Role")!;
  expect(role.allow_inherited_from_types).toEqual([store.findTypeByName("Profile")!.id]);

  // stack outputs: the ids by name
  const outputs = first.outputs as Record<string, Record<string, string>>;
  expect(outputs.typeIds).toEqual({ Profile: store.findTypeByName("Profile")!.id, "Business Role": role.id });
  expect(outputs.profileIds["Account Executive"]).toBe(ae.id);
  expect(Object.keys(outputs.profileIds)).toHaveLength(catalog.profiles.length);
  expect(outputs.versionIds["Account Executive"]).toBe(`${ae.id}/versions/1`);
  expect(outputs.membershipIds["Finance Analyst"]).toMatch(/\/versions\/1\/members$/);

  // the serialized provider per resource stays small; the token never reaches the state
  const state = e.state();
  const sizes = state.resources
    .filter((x) => x.type.startsWith("pulumi-nodejs:dynamic"))
    .map((x) => String(x.inputs.__provider ?? "").length);
  expect(sizes).toHaveLength(expected);
  expect(Math.max(...sizes)).toBeLessThanOrEqual(2048);
  const text = e.stateText();
  expect(text).not.toContain(TOKEN);
  console.log(`bootstrap: __provider ${Math.min(...sizes)}..${Math.max(...sizes)} bytes per resource, state ${text.length} bytes`);

  r.emu.resetStats();
  const second = await e.up(() => bootstrap(loadCatalog(CATALOG_FILE)));
  expect(second).toMatchObject({ creates: 0, updates: 0, replaces: 0, deletes: 0, sames: expected, errors: [] });
  expect(r.emu.stats().total).toBe(0);

  const preview = await e.preview(() => bootstrap(loadCatalog(CATALOG_FILE)));
  expect(preview).toMatchObject({ creates: 0, updates: 0, replaces: 0, deletes: 0, errors: [] });
  expect(r.emu.stats().total).toBe(0);

  // an edit to the catalog is one PATCH
  const edited = parseCatalog(
    CATALOG_TEXT.replace(
      "inherits: [Salesforce Read Only, Okta Sales Apps, AWS Analytics Engineer]",
      "inherits: [Salesforce Read Only, Okta Sales Apps]",
    ),
  );
  const plan = await e.preview(() => bootstrap(edited));
  expect(plan).toMatchObject({ creates: 0, updates: 1, replaces: 0, deletes: 0 });
  expect(plan.resources["version:Sales Operations Analyst"]!.op).toBe("update");
  expect(r.emu.stats().total).toBe(0);
  const applied = await e.up(() => bootstrap(edited));
  expect(applied).toMatchObject({ updates: 1, errors: [] });
  expect(r.emu.stats().byRoute).toEqual({ "PATCH access_profiles/{id}/versions/{version}": 1 });

  const destroyed = await e.destroy();
  expect(destroyed.errors).toEqual([]);
  expect(tenant(r.emu)).toEqual({ types: [], profiles: [] });
});

test("index.ts (the root Pulumi.yaml's program) loads catalog.yaml next to it and exports the ids", async () => {
  const e = r.engine({ stateFile: path.join(r.dir, "index-state.json") });
  const program = () => {
    let mod: Record<string, unknown> = {};
    jest.isolateModules(() => {
      mod = require("../../examples/bootstrap/index");
    });
    return mod;
  };
  const up = await e.up(program);
  expect(up.errors).toEqual([]);
  const outputs = up.outputs as Record<string, Record<string, string>>;
  expect(Object.keys(outputs).sort()).toEqual(["membershipIds", "profileIds", "typeIds", "versionIds"]);
  expect(outputs.profileIds["Finance Analyst"]).toBe(r.emu.store.findProfileByName("Finance Analyst")!.id);
  const again = await e.up(program);
  expect(again).toMatchObject({ creates: 0, updates: 0, errors: [] });
  expect((await e.destroy()).errors).toEqual([]);
});

describe("a catalog with a mistake stops before any request, naming the entry and the line", () => {
  const lineOf = (needle: string, nth = 0) => {
    const lines = CATALOG_TEXT.split("\n");
    const hits = lines.map((l, i) => (l.includes(needle) ? i + 1 : 0)).filter(Boolean);
    return hits[nth]!;
  };
  const fails = (text: string): CatalogError => {
    try {
      parseCatalog(text);
    } catch (e) {
      expect(e).toBeInstanceOf(CatalogError);
      return e as CatalogError;
    }
    throw new Error("the catalog was accepted");
  };

  test("unknown type name", () => {
    const err = fails(CATALOG_TEXT.replace("  - name: AD VPN Users\n    type: Profile", "  - name: AD VPN Users\n    type: Profiles"));
    const line = lineOf("name: AD VPN Users") + 1;
    expect(err.message).toContain(
      `catalog.yaml:${line}:11 profiles[5] "AD VPN Users" type: type "Profiles" is not defined in types (defined: "Profile", "Business Role")`,
    );
    expect(err.issues).toEqual([expect.objectContaining({ line, path: ["profiles", 5, "type"] })]);
  });

  test("inheritance of a profile that is not defined", () => {
    const err = fails(
      CATALOG_TEXT.replace(
        "inherits: [Salesforce Sales User, Okta Sales Apps, AD VPN Users]",
        "inherits: [Salesforce Sales User, Okta Sale Apps, AD VPN Users]",
      ),
    );
    const line = lineOf("inherits: [Salesforce Sales User");
    expect(err.message).toMatch(
      new RegExp(
        `catalog\\.yaml:${line}:\\d+ profiles\\[8\\] "Account Executive" inherits\\[1\\]: profile "Okta Sale Apps" is not defined in profiles`,
      ),
    );
  });

  test("bad enum, unknown field and a wrong type are all reported at once", () => {
    const err = fails(
      CATALOG_TEXT.replace("onCreateBehavior: RUNNING", "onCreateBehavior: RUNING")
        .replace("requireApprovalToStart: true", "requireApprovalToStart: yes please")
        .replace("    labels: [aws, data]", "    labels: [aws, data]\n    colour: blue"),
    );
    expect(err.issues).toHaveLength(3);
    expect(err.message).toContain(
      `catalog.yaml:${lineOf("onCreateBehavior: RUNNING")}:23 types[0] "Profile" onCreateBehavior: must be one of INITIAL, RUNNING, PAUSED, DRY_RUN, PENDING`,
    );
    expect(err.message).toContain(
      `catalog.yaml:${lineOf("requireApprovalToStart")}:29 profiles[2] "AWS Billing Viewer" requireApprovalToStart: must be true or false`,
    );
    expect(err.message).toMatch(
      /catalog\.yaml:\d+:5 profiles\[3\] "AWS Analytics Engineer" colour: unknown field "colour" \(known: name, type, /,
    );
  });

  test("duplicate names", () => {
    const err = fails(
      CATALOG_TEXT.replace("  - name: AD VPN Users", "  - name: AD Finance Share").replace("- name: Business Role", "- name: Profile"),
    );
    expect(err.message).toContain(
      `catalog.yaml:${lineOf("- name: Business Role")}:11 types[1] "Profile" name: duplicate type name "Profile"`,
    );
    expect(err.message).toContain(
      `catalog.yaml:${lineOf("- name: AD VPN Users")}:11 profiles[5] "AD Finance Share" name: duplicate profile name "AD Finance Share"`,
    );
  });

  test("rules of the type: a business role inheriting from a business role, entities on a role, a cycle", () => {
    const err = fails(
      CATALOG_TEXT.replace(
        "inherits: [AWS Billing Viewer, AD Finance Share, AD VPN Users]",
        "inherits: [AWS Billing Viewer, Account Executive]",
      ).replace(
        "    inherits: [Salesforce Sales User, Okta Sales Apps, AD VPN Users]",
        "    inherits: [Salesforce Sales User]\n    entities:\n      - { entityType: OktaGroup, datasourceId: okta-prod, entityId: 00g1x }",
      ),
    );
    expect(err.message).toContain(
      `profiles[10] "Finance Analyst" inherits[1]: type "Business Role" may inherit only from "Profile", but "Account Executive" is a "Business Role"`,
    );
    expect(err.message).toContain(`profiles[8] "Account Executive" entities: type "Business Role" does not allow entities`);
    const cyc = fails(
      "types:\n  - name: T\n    allowInheritEntities: true\nprofiles:\n  - { name: A, type: T, inherits: [B] }\n  - { name: B, type: T, inherits: [A] }\n",
    );
    expect(cyc.message).toContain(`catalog.yaml:5:35 profiles[0] "A" inherits: profiles inherit in a cycle: "A" -> "B" -> "A"`);
  });

  test("YAML syntax errors name the line", () => {
    const err = fails("types:\n  - name: Profile\n   description: bad indent\n");
    expect(err.issues[0]!.line).toBe(3);
    expect(err.message).toMatch(/catalog\.yaml:3:\d+ catalog: YAML syntax: /);
  });
});
