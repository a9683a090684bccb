/**
 * `export --language yaml` without a tenant or a CLI: how strings are quoted (read back by a YAML
 * 1.2 and a YAML 1.1 reader, then as pulumi-yaml reads a string: `$$` is `$`, `${…}` a reference),
 * and that the YAML program declares what the TypeScript one does, in the same order, with the same
 * references. The CLI run that proves pulumi-yaml and the plugin read it is tests/plugin/migrate.test.ts.
 */
import { parse } from "yaml";
import { ExportError, generateProgram, yamlString, type Tenant } from "../../provider/export";
import { ROUTES_MODE } from "../resources/helpers";

/** Nothing here depends on a tenant's routes: the "all" project only. */
const routesIndependent = ROUTES_MODE === "all" ? describe : describe.skip;

/** A string as pulumi-yaml's parseInterpolate reads it: `$$` is `$`; an unescaped `${` would be a reference. */
function asPulumiYamlReads(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    if (s.startsWith("$$", i)) {
      out += "$";
      i++;
    } else if (s.startsWith("${", i)) throw new Error(`read as a reference: ${s}`);
    else out += s[i];
  }
  return out;
}

/** Reads `text` with both YAML versions' schemas; they must agree. */
function readBoth(text: string): unknown {
  const v12 = parse(text);
  expect(parse(text, { version: "1.1" })).toEqual(v12);
  return v12;
}

const NASTY = [
  "Role: Admin",
  "key:value",
  'He said "hi"',
  "it's",
  "- leading dash",
  "-",
  "#hash",
  "a #b",
  "? question",
  "[brackets]",
  "{braces}",
  "a, b",
  "!tag",
  "&anchor",
  "*alias",
  "|",
  ">",
  "%percent",
  "@at",
  "`tick",
  "Ünïcode – Näme",
  "日本語のプロファイル",
  "party 🎉",
  "yes",
  "No",
  "on",
  "OFF",
  "y",
  "null",
  "~",
  "true",
  "123",
  "0x1F",
  "1e3",
  "1_000",
  ".inf",
  "2001-12-14",
  "12:30",
  "",
  " leading space",
  "trailing space ",
  "two\nlines",
  "tab\there",
  "back\\slash",
  "nel\u0085next",
  "line\u2028separator",
  "\ufeffbom",
  "del\u007f",
  "${x}",
  "${base.id}",
  "$$",
  "cost $5",
  "$",
];

const ent = (t: string, d: string, i: string) => ({ entity_type: t, datasource_id: d, entity_id: i });

/** Inheritance whose names sort against the dependency order (the child's name first). */
const TENANT: Tenant = {
  types: [
    { id: "t-role", name: "Business Role", allow_inherit_entities: true, allow_inherited_from_types: ["t-base", "t-role", "t-gone"] },
    { id: "t-base", name: "Profile", allow_create_relationships: true },
  ],
  profiles: [
    {
      profile: { id: "p-child", name: "Account Executive", profile_type: "t-role", current_version_number: 2, draft_version_number: 3 },
      versionNumber: 2,
      version: { inherit_entities_from_access_profiles: ["p-vpn", "p-base", "p-child", "p-gone"] },
      members: ["bob", "alice"],
    },
    {
      profile: {
        id: "p-base",
        name: "Salesforce: Base #1",
        profile_type: "t-base",
        labels: ["yes", "#x"],
        custom_properties: { "cost $": "a: b" },
        current_version_number: 1,
      },
      versionNumber: 1,
      version: { entities_to_create_relationships_to: [ent("SalesforceGroup", "sf-1", "g:1"), ent("OktaGroup", "okta", "-o1")] },
      members: [],
    },
    {
      profile: { id: "p-vpn", name: "VPN ${users}", profile_type: "t-base", description: "line\nbreak", current_version_number: 1 },
      versionNumber: 1,
      version: { inherit_entities_from_access_profiles: ["p-base"] },
      members: ["carol"],
    },
  ],
} as unknown as Tenant;

const FIXED = { source: "https://acme.vezacloud.com", generatedAt: "2026-12-07T12:00:00.000Z" };

interface YamlResource {
  type: string;
  properties: Record<string, unknown>;
}

routesIndependent("export --language yaml", () => {
  test("every string reads back as itself, as a value, a key and a flow-list item, in YAML 1.1 and 1.2, through pulumi-yaml's $ escape", () => {
    for (const s of NASTY) {
      const w = yamlString(s);
      const doc = readBoth(`${w}: ${w}\nlist: [${w}, x]\n`) as Record<string, unknown>;
      expect(Object.keys(doc).map(asPulumiYamlReads)).toEqual([s, "list"]);
      expect(asPulumiYamlReads(String(doc[w.startsWith('"') ? JSON.parse(w) : w]))).toBe(s);
      expect((doc.list as unknown[]).map((x) => asPulumiYamlReads(String(x)))).toEqual([s, "x"]);
      expect(w).not.toMatch(/[\n\r\u0085\u2028\u2029\ufeff\u007f]/); // escaped, never literal
    }
    // what cannot be misread is written plain
    expect(["Salesforce Base", "sf-1", "O'Brien", "AD (corp) users", "a/b+c@d"].map(yamlString)).toEqual([
      "Salesforce Base",
      "sf-1",
      "O'Brien",
      "AD (corp) users",
      "a/b+c@d",
    ]);
  });

  test("the YAML program declares what the TypeScript one does: the same names, kinds and order, references as ${name.id}", () => {
    const ts = generateProgram(TENANT, FIXED);
    const text = generateProgram(TENANT, { ...FIXED, language: "yaml", project: "access" });
    const doc = readBoth(text) as { name: string; runtime: string; resources: Record<string, YamlResource> };
    expect(doc.name).toBe("access");
    expect(doc.runtime).toBe("yaml");
    const tsDecls = [...ts.matchAll(/new veza\.(\w+)\("([^"]+)"/g)].map(([, kind, name]) => [name, `veza:index:${kind}`]);
    expect(Object.entries(doc.resources).map(([name, r]) => [name, r.type])).toEqual(tsDecls);
    // dependencies first although the names sort the other way
    expect(tsDecls.map(([name]) => name)).toEqual([
      "profile-type",
      "business-role-type",
      "salesforce-base-1",
      "salesforce-base-1-version",
      "vpn-users",
      "vpn-users-version",
      "vpn-users-members",
      "account-executive",
      "account-executive-version",
      "account-executive-members",
    ]);
    const props = (name: string) => doc.resources[name]!.properties;
    for (const r of Object.values(doc.resources)) expect(r.properties.adoptExisting).toBe(true);
    expect(props("account-executive")).toEqual({ name: "Account Executive", profileType: "${business-role-type.id}", adoptExisting: true });
    // a set of references in the order of the names; ids that are not references stay literal, with why
    expect(props("account-executive-version")).toEqual({
      accessProfileId: "${account-executive.id}",
      versionNumber: 2,
      inheritFrom: ["p-child", "p-gone", "${salesforce-base-1.id}", "${vpn-users.id}"],
      adoptExisting: true,
    });
    expect(text).toContain("        - p-child  # itself\n        - p-gone  # not in this tenant\n");
    expect(ts).toContain('inheritFrom: ["p-child" /* itself */, "p-gone" /* not in this tenant */, salesforceBase1.id, vpnUsers.id]');
    expect(props("account-executive-members")).toEqual({
      accessProfileId: "${account-executive.id}",
      versionNumber: 2,
      identityIds: ["alice", "bob"],
      adoptExisting: true,
    });
    expect(props("business-role-type").allowInheritedFromTypes).toEqual(["t-role", "${profile-type.id}", "t-gone"]); // Business Role, Profile, t-gone
    // odd values come back as themselves once pulumi-yaml has read the `$$`
    expect(props("salesforce-base-1")).toMatchObject({
      name: "Salesforce: Base #1",
      labels: ["#x", "yes"],
      customProperties: { "cost $$": "a: b" },
    });
    expect(props("salesforce-base-1-version").entities).toEqual([
      { entityType: "OktaGroup", datasourceId: "okta", entityId: "-o1" },
      { entityType: "SalesforceGroup", datasourceId: "sf-1", entityId: "g:1" },
    ]);
    expect(props("vpn-users")).toMatchObject({ name: "VPN $${users}", description: "line\nbreak" });
    expect(props("vpn-users-version").inheritFrom).toEqual(["${salesforce-base-1.id}"]);
    // the same header, as YAML comments
    expect(text.split("\n").slice(0, 4)).toEqual(
      ts
        .split("\n")
        .slice(0, 4)
        .map((l) => l.replace(/^\/\/ /, "# ")),
    );
  });

  test("what YAML cannot carry is an error naming it; an empty tenant is an empty program", () => {
    const fnKey = {
      ...TENANT,
      profiles: [{ ...TENANT.profiles[1]!, profile: { ...TENANT.profiles[1]!.profile, custom_properties: { "fn::join": "x" } } }],
    } as Tenant;
    expect(() => generateProgram(fnKey, { language: "yaml" })).toThrow(ExportError);
    expect(() => generateProgram(fnKey, { language: "yaml" })).toThrow(
      'cannot export AccessProfile "salesforce-base-1" customProperties as YAML: the key "fn::join" would be read by pulumi-yaml as a function',
    );
    expect(generateProgram(fnKey)).toContain('customProperties: { "fn::join": "x" }'); // TypeScript can
    expect(() => generateProgram(TENANT, { language: "yaml", project: "my project" })).toThrow(
      'a Pulumi project name must be 1 to 100 letters, digits, hyphens, underscores and periods, got "my project"',
    );
    const empty = generateProgram({ types: [], profiles: [] }, { ...FIXED, language: "yaml" });
    expect(readBoth(empty)).toEqual({ name: "veza-tenant", runtime: "yaml", resources: {} });
  });
});
