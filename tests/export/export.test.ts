/**
 * `pulumi-veza export`: a tenant of two list pages of profiles with inheritance is exported (in-process and through the
 * CLI), the program type-checks, and running it through the engine takes the tenant over without
 * creating or changing anything; the next up and preview are no-ops.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { VezaApi } from "../../provider/client/api";
import { VezaClient, closeAllPools } from "../../provider/client/client";
import { exportTenant, ExportError, generateProgram, type Tenant } from "../../provider/export";
import { LIST_PAGE_SIZE } from "../../provider/client/endpoints";
import { ROUTES_MODE, rig, TOKEN, type Rig, IN_PROCESS } from "../resources/helpers";
import { cli, REPO, runnable } from "./run-cli";

/** What does not depend on the tenant's routes (type-checking, the CLI's output) runs in the "all" project only. */
const routesIndependent = ROUTES_MODE === "all" ? test : test.skip;

const GEN = path.join(__dirname, ".generated");

let r: Rig;
beforeAll(async () => {
  r = await rig({}, IN_PROCESS);
  seed();
});
afterAll(async () => {
  await r.close();
  await closeAllPools();
});

const ent = (type: string, ds: string, id: string) => ({ entity_type: type, datasource_id: ds, entity_id: id });

/** Profiles seeded: base profiles, roles inheriting from them, teams inheriting from roles (more than one list page). */
const BASE = 60;
const ROLES = 30;
const TEAMS = 20;
const PROFILES = BASE + ROLES + TEAMS;
const PAGES = Math.ceil(PROFILES / LIST_PAGE_SIZE);

/** 4+2 types and PROFILES profiles: entities, inheritance chains, republished versions, drafts, members, odd names. */
function seed(): void {
  const s = r.emu.store;
  const profileT = s.createType({ name: "Profile", description: "Basic profile", allow_create_relationships: true });
  s.createType({ name: "profile", description: "same identifier, other case", allow_create_relationships: true, max_entitlements: 5 });
  const roleT = s.createType({
    name: "Business Role",
    allow_inherit_entities: true,
    allow_inherited_from_types: [profileT.id],
    on_create_behavior: "RUNNING",
  });
  const teamT = s.createType({
    name: 'Team "Quoted" Role',
    allow_inherit_entities: true,
    allow_create_relationships: true,
    instructions: 'Ask \\ your "manager"\nfirst',
    time_before_sync_check_in_seconds: 3600,
    allow_overwrite_of_access_request_policy: false,
    name_transformer: { rules: [{ from: "a", to: "b" }] },
  });
  const nested = s.createType({ name: "Nested Role", allow_inherit_entities: true, allow_inherited_from_types: [roleT.id] });
  s.updateType(nested.id, { allow_inherited_from_types: [roleT.id, nested.id] }, ["allow_inherited_from_types"]); // itself too
  s.createType({ name: "Unused" });

  const names = (i: number): string =>
    ({ 0: "Salesforce Base", 1: "salesforce base", 2: "123 Start", 3: "class", 4: "Ünïcode Name", 5: 'A "quoted" \\ name' })[i] ??
    `Profile ${i}`;
  const base: string[] = [];
  for (let i = 0; i < BASE; i++) {
    const { profile } = s.createProfile({
      name: names(i),
      profile_type: profileT.id,
      description: i % 3 ? `profile ${i}` : "",
      labels: i % 4 === 0 ? ["requestable", `l${i % 7}`] : [],
      state: ["INITIAL", "RUNNING", "PAUSED"][i % 3],
      ...(i % 10 === 0
        ? { catalog_item_info: { name: `Catalog ${i}`, recommended: true }, custom_properties: { "cost-center": `cc${i}` } }
        : {}),
      entities_to_create_relationships_to:
        i % 5 === 4 ? [] : [ent("SalesforceGroup", "sf-1", `g${i}`), ...(i % 2 ? [ent("OktaGroup", "okta-1", `o${i}`)] : [])],
    });
    base.push(profile.id);
    if (i % 15 === 0)
      s.updateVersion(
        profile.id,
        2,
        { state: "PUBLISHED", entities_to_create_relationships_to: [ent("SalesforceGroup", "sf-1", `v2-${i}`)] },
        undefined,
      );
    if (i % 40 === 7) s.updateVersion(profile.id, 2, { entities_to_create_relationships_to: [] }, undefined); // a draft: not exported
  }
  const roles: string[] = [];
  for (let i = 0; i < ROLES; i++) {
    const inherit = [base[(i * 7) % BASE], base[(i * 11 + 3) % BASE]].filter((x, k, a) => a.indexOf(x) === k);
    roles.push(s.createProfile({ name: `Role ${i}`, profile_type: roleT.id, inherit_entities_from_access_profiles: inherit }).profile.id);
  }
  for (let i = 0; i < TEAMS; i++) {
    const type = i < 15 ? teamT.id : nested.id;
    const inherit = i < 15 ? [roles[i], roles[(i + 20) % ROLES]] : [roles[i], ...(i > 15 ? [] : [])];
    s.createProfile({
      name: `Team ${i}`,
      profile_type: type,
      inherit_entities_from_access_profiles: inherit,
      entities_to_create_relationships_to:
        i < 15 && i % 2 ? [{ ...ent("OktaGroup", "okta-1", `t${i}`), grant_by: 1, custom_properties: { k: "v" } }] : [],
    });
  }
  for (const p of s.listProfiles()) {
    const n = Number(/\d+/.exec(p.name)?.[0] ?? 0);
    if (n % 5 === 0) s.changeMembers(p.id, p.current_version_number, { type: "ADD", identity_ids: [`user-${n}`, `user-${n + 1}`] });
  }
}

/** The tenant without timestamps, for "nothing changed". */
function snapshot(): unknown {
  // timestamps dropped; lists compared as sets (a version write stores its lists sorted)
  const strip = (v: unknown): unknown =>
    JSON.parse(
      JSON.stringify(v, (k, x) =>
        /_at$/.test(k) ? undefined : Array.isArray(x) ? [...x].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) : x,
      ),
    );
  return strip(r.emu.store.toJSON());
}

const withoutHeaderDate = (program: string) => program.replace(/^\/\/ Generated by .*$/m, "");

/**
 * Type-checks the generated program against the package's typings as they ship (dist/provider's
 * .d.ts, built by `npm test`): what a user's compiler sees. (Against provider/*.ts it checked our
 * sources once more, which the build already does: 3.0 s of CPU instead of 1.3 s.)
 */
function typeCheck(file: string): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true,
    noEmit: true,
    esModuleInterop: true,
    skipLibCheck: true,
    types: ["node"],
    baseUrl: REPO,
    paths: { "pulumi-veza": ["./dist/provider/index.d.ts"] },
  };
  const program = ts.createProgram([file], options);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === file || !d.file)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}

let program = "";
const progress: string[] = [];

test("export reads every page and writes a program with references, adoption and progress on the side", async () => {
  const api = new VezaApi(new VezaClient({ url: r.emu.url, token: TOKEN }));
  r.emu.resetStats();
  const res = await exportTenant({ api, onProgress: (l) => progress.push(l) });
  program = res.program;
  fs.mkdirSync(GEN, { recursive: true });
  fs.writeFileSync(path.join(GEN, "program.ts"), program);
  expect(res.tenant.types).toHaveLength(6);
  expect(res.tenant.profiles).toHaveLength(PROFILES);
  const byRoute = r.emu.stats().byRoute;
  expect(byRoute["GET access_profiles"]).toBe(PAGES);
  // the list carries each current version and its members: nothing read per profile
  expect(byRoute["GET access_profiles/{id}"] ?? 0).toBe(0);
  expect(byRoute["GET access_profiles/{id}/versions/{version}/members"] ?? 0).toBe(0);
  expect(r.mutations()).toEqual([]);
  // progress from before the first request and after every list page
  expect(progress.slice(0, 6)).toEqual([
    `reading ${r.emu.url}`,
    "listing access profile types…",
    "listed 6 access profile types",
    "listing access profiles…",
    `listed ${LIST_PAGE_SIZE} access profiles…`,
    `listed ${PROFILES} access profiles`,
  ]);
  expect(progress).toContain(`read ${PROFILES}/${PROFILES} profiles…`);
  expect(progress).toContain(`read ${LIST_PAGE_SIZE}/${PROFILES} profiles…`);

  expect(program).toMatch(/^import \* as veza from "pulumi-veza";$/m);
  expect(program).not.toContain(TOKEN);
  expect(program.match(/new veza\.AccessProfileType\(/g)).toHaveLength(6);
  expect(program.match(/new veza\.AccessProfile\(/g)).toHaveLength(PROFILES);
  expect(program.match(/new veza\.AccessProfileVersion\(/g)).toHaveLength(PROFILES);
  // every resource is adopted: 6 types, every profile, its version and each membership
  const memberships = program.match(/new veza\.ProfileMembership\(/g)!.length;
  expect(memberships).toBeGreaterThan(0);
  expect(program.match(/^ {2}adoptExisting: true,$/gm)).toHaveLength(6 + PROFILES + PROFILES + memberships);
  // references, not ids
  expect(program).toContain("allowInheritedFromTypes: [profileType.id]");
  expect(program).toMatch(
    /const salesforceBase = new veza\.AccessProfile\("salesforce-base", \{\n {2}name: "Salesforce Base",\n {2}profileType: profileType\.id,/,
  );
  expect(program).toMatch(/inheritFrom: \[[a-zA-Z0-9]+\.id(, [a-zA-Z0-9]+\.id)*\]/);
  // unique identifiers for names that collide or are not identifiers
  expect(program).toContain("const profileType2 = new veza.AccessProfileType(");
  expect(program).toContain("const salesforceBase2 = new veza.AccessProfile(");
  expect(program).toContain("const profile123Start = new veza.AccessProfile(");
  expect(program).toContain("const class2 = new veza.AccessProfile(");
  expect(program).toContain('const unicodeName = new veza.AccessProfile("unicode-name", {');
  expect(program).toContain('name: "A \\"quoted\\" \\\\ name"');
  // a type that allows inheriting from itself keeps its own id (a resource cannot reference itself)
  const nested = /const nestedRoleType = [\s\S]*?\n\}\);/.exec(program)?.[0] ?? "";
  expect(nested).toMatch(/allowInheritedFromTypes: \[.*businessRoleType\.id.*\]/);
  expect(nested).toMatch(/allowInheritedFromTypes: \[.*"[0-9a-f-]+" \/\* itself \*\/.*\]/);
  // versionNumber only where a draft exists (profiles 7 and 47): elsewhere the current version is what an unset number manages
  const blockOf = (logical: string) =>
    new RegExp(`new veza\\.\\w+\\("${logical}", \\{\\n[\\s\\S]*?\\n\\}\\);`).exec(program)?.[0] ?? `no ${logical}`;
  expect(blockOf("profile-7-version")).toContain("  versionNumber: 1,\n");
  expect(blockOf("profile-47-version")).toContain("  versionNumber: 1,\n");
  expect(blockOf("salesforce-base-version")).not.toContain("versionNumber"); // republished as version 2, no draft
  expect(program.match(/versionNumber: /g)).toHaveLength(2 + [7, 47].filter((n) => n % 5 === 0).length);
  // keys a person would write: unquoted where they are identifiers, short values on one line
  expect(program).toContain('  catalogItemInfo: { name: "Catalog 0", recommended: true },\n');
  expect(program).toContain('  customProperties: { "cost-center": "cc0" },\n');
  expect(program).toContain('  entities: [{ entityType: "SalesforceGroup", datasourceId: "sf-1", entityId: "v2-0" }],\n');
  expect(program).not.toMatch(/^\s+"[A-Za-z_$][\w$]*": /m);
  // topological order: every reference is declared before it is used
  const declared = new Set<string>();
  for (const line of program.split("\n")) {
    for (const m of line.matchAll(/([A-Za-z_$][\w$]*)\.id\b/g))
      expect(declared.has(m[1]) ? m[1] : `undeclared ${m[1]} in: ${line}`).toBe(m[1]);
    const d = /^const ([A-Za-z_$][\w$]*) =/.exec(line);
    if (d) declared.add(d[1]);
  }
});

routesIndependent("the generated program type-checks", () => {
  expect(program).not.toBe("");
  expect(typeCheck(path.join(GEN, "program.ts"))).toEqual([]);
});

routesIndependent(
  "the CLI (node dist/provider/cli.js export) writes the same program; stdout without --out; never the token",
  async () => {
    const env = { ...process.env, VEZA_URL: r.emu.url, VEZA_API_TOKEN: TOKEN, VEZA_TOKEN: undefined, PULUMI_CONFIG: undefined };
    const out = path.join(GEN, "cli-program.ts");
    const res = await cli(["export", "--out", out], env);
    expect(res.stderr).not.toContain(TOKEN);
    expect(res.status).toBe(0);
    expect(res.stdout).toBe("");
    expect(res.stderr).toContain(`read ${PROFILES}/${PROFILES} profiles…`);
    expect(res.stderr).toContain(`wrote 6 types and ${PROFILES} profiles`);
    expect(withoutHeaderDate(fs.readFileSync(out, "utf8"))).toBe(withoutHeaderDate(program));

    const bad = await cli(["export"], { ...env, VEZA_API_TOKEN: "wrong-token-xyz" });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toMatch(/pulumi-veza export failed: .*401/);
    expect(bad.stderr).not.toContain("wrong-token-xyz");
    // a standalone command reads no stack config: its hints name environment variables only
    expect(bad.stderr).toContain("The Veza API token in VEZA_API_TOKEN (or VEZA_TOKEN) is invalid or expired");
    expect(bad.stderr).not.toMatch(/veza:apiToken|pulumi config|pulumi refresh/);

    const missing = await cli(["export"], { ...env, VEZA_URL: undefined });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(
      "Missing Veza connection settings: set VEZA_URL (the tenant, e.g. https://acme.vezacloud.com) in the environment of this command.",
    );
    expect(missing.stderr).not.toContain("veza:url");
    const neither = await cli(["export"], { ...env, VEZA_URL: undefined, VEZA_API_TOKEN: undefined });
    expect(neither.stderr).toContain(
      "set VEZA_URL (the tenant, e.g. https://acme.vezacloud.com) and VEZA_API_TOKEN or VEZA_TOKEN (an API token) in the environment",
    );

    const stdout = await cli(["export"], env);
    expect(stdout.status).toBe(0);
    expect(withoutHeaderDate(stdout.stdout)).toBe(withoutHeaderDate(program));
  },
  120_000,
);

test("running the exported program adopts the tenant with 0 writes (no POST, PATCH, PUT or DELETE), tenant unchanged; then 0 changes", async () => {
  expect(program).not.toBe("");
  const before = snapshot();
  const e = r.engine({ parallel: 16 });
  r.emu.resetStats();
  const up = await e.up(runnable(program));
  expect(up.errors).toEqual([]);
  const m = r.mutations();
  const count = (route: string) => m.filter((x) => x.route === route).length;
  console.log(`first up of the exported program: ${JSON.stringify(r.emu.stats().byRoute)}`);
  expect(m.filter((x) => x.method === "POST")).toEqual([]);
  expect(count("PATCH access_profiles_types/{id}")).toBe(0);
  expect(count("PATCH access_profiles/{id}")).toBe(0);
  expect(m.filter((x) => x.method === "DELETE")).toEqual([]);
  // versions and memberships are adopted too: read first, nothing differs, nothing written
  expect(count("PATCH access_profiles/{id}/versions/{version}")).toBe(0);
  expect(m).toEqual([]);
  expect(snapshot()).toEqual(before);

  r.emu.resetStats();
  const again = await e.up(runnable(program));
  expect(again.errors).toEqual([]);
  expect(again).toMatchObject({ creates: 0, updates: 0, replaces: 0, deletes: 0 });
  expect(r.emu.stats().total).toBe(0);

  const preview = await e.preview(runnable(program));
  expect(preview).toMatchObject({ creates: 0, updates: 0, replaces: 0, deletes: 0 });
  expect(r.emu.stats().total).toBe(0);

  // adopting wrote nothing, so nothing moved on the server: the first refresh is already clean
  const refreshed = await e.refresh();
  expect(refreshed.errors).toEqual([]);
  expect(Object.values(refreshed.resources).filter((x) => x.op !== "same")).toEqual([]);
  const clean = await e.refresh();
  expect(clean.errors).toEqual([]);
  expect(clean.updates).toBe(0);
}, 180_000);

(ROUTES_MODE === "all" ? describe : describe.skip)("generateProgram on hand-made tenants", () => {
  const type = (id: string, name: string, from: string[] = []) => ({ id, name, allow_inherited_from_types: from, integrations: [] }) as any;
  const prof = (id: string, name: string, inherits: string[] = []) => ({
    profile: {
      id,
      name,
      profile_type: "t1",
      labels: [],
      datasource_ids: [],
      integrations: [],
      provider_ids: [],
      access_profiles_inherited: [],
      access_profiles_inherited_by: [],
    } as any,
    versionNumber: 1,
    version: { entities_to_create_relationships_to: [], inherit_entities_from_access_profiles: inherits, members: [] } as any,
    members: [],
  });

  test("an inheritance cycle is an error naming the cycle", () => {
    const tenant: Tenant = {
      types: [type("t1", "T")],
      profiles: [prof("a", "Alpha", ["b"]), prof("b", "Beta", ["c"]), prof("c", "Gamma", ["a"])],
    };
    expect(() => generateProgram(tenant)).toThrow(ExportError);
    expect(() => generateProgram(tenant)).toThrow(/profile inheritance cycle "Alpha" -> "Beta" -> "Gamma" -> "Alpha"/);
  });

  test("a cycle between types' allowInheritedFromTypes is an error naming it", () => {
    const tenant: Tenant = { types: [type("t1", "One", ["t2"]), type("t2", "Two", ["t1"])], profiles: [] };
    expect(() => generateProgram(tenant)).toThrow(/type \(allowInheritedFromTypes\) cycle "One" -> "Two" -> "One"/);
  });

  test("names from words: identifiers in camelCase and Pulumi names in kebab-case, as a person writes them", () => {
    const tenant: Tenant = {
      types: [type("t1", "Business Role"), type("t2", "Profile Type")],
      profiles: [prof("a", "AD VPN Users"), prof("b", "ADUsers"), prof("c", "McDonald's Team"), prof("d", "ad-vpn users")],
    };
    const text = generateProgram(tenant, { generatedAt: "x" });
    expect(text).toContain('const businessRoleType = new veza.AccessProfileType("business-role-type", {');
    expect(text).toContain('const profileType = new veza.AccessProfileType("profile-type", {');
    expect(text).toContain('const adVpnUsers = new veza.AccessProfile("ad-vpn-users", {');
    expect(text).toContain('new veza.AccessProfileVersion("ad-vpn-users-version", {');
    expect(text).toContain('const adUsers = new veza.AccessProfile("ad-users", {');
    expect(text).toContain('const mcDonaldsTeam = new veza.AccessProfile("mc-donalds-team", {');
    // the same words twice: both names stay unique
    expect(text).toContain('const adVpnUsers2 = new veza.AccessProfile("ad-vpn-users-2", {');
    expect(text).toContain('new veza.AccessProfileVersion("ad-vpn-users-2-version", {');
    expect(text).toContain("// 2 access profile types, 4 access profiles.");
  });

  test("dependencies come first whatever the names; ids outside the tenant stay literal", () => {
    const tenant: Tenant = { types: [type("t1", "T")], profiles: [prof("a", "Aardvark", ["z"]), prof("z", "Zebra", ["elsewhere"])] };
    const text = generateProgram(tenant, { generatedAt: "x" });
    expect(text.indexOf('"Zebra"')).toBeLessThan(text.indexOf('"Aardvark"'));
    expect(text).toContain('inheritFrom: ["elsewhere" /* not in this tenant */]');
    expect(text).toContain("inheritFrom: [zebra.id]");
  });
});
