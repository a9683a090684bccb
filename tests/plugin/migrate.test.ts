/**
 * Moving a tenant to the `veza` plugin (docs/plugin.md, "Moving a stack to the plugin"): objects made
 * by hand in Veza (a type that inherits from another, profiles with inheritance, a republished
 * version, a draft, members, names YAML and pulumi-yaml could misread), `pulumi-veza export
 * --language yaml` writes the Pulumi.yaml, and the real CLI with pulumi-yaml's host runs it: the
 * first `up` adopts everything (no create request, no write at all: the emulator's log), and the
 * next `preview --expect-no-changes` passes. Five Pulumi commands (stack init, two config sets, up,
 * preview) and one export.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { nameOf, stepsOf, type CliResult } from "../../harness/pulumi-cli";
import { cli } from "../export/run-cli";
import { describeWithYaml, withPlugin, yamlRig, type YamlRig } from "./plugin-cli";

const TOKEN = "veza-migrate-token-MUST-NOT-LEAK-71f0";
const PROJECT = "veza-yaml"; // the stack's project (yamlRig's): the exported Pulumi.yaml must keep it

const ent = (type: string, ds: string, id: string) => ({ entity_type: type, datasource_id: ds, entity_id: id });

function expectOk(r: CliResult): void {
  if (r.code !== 0) throw new Error(`pulumi exited ${r.code}\n${r.stdout}\n${r.stderr}`);
}

/** The tenant without timestamps, lists as sets: "nothing changed". */
function snapshot(r: YamlRig): unknown {
  return JSON.parse(
    JSON.stringify(r.emu.store.toJSON(), (k, x) =>
      /_at$/.test(k) ? undefined : Array.isArray(x) ? [...x].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) : x,
    ),
  );
}

describeWithYaml("moving a tenant to the veza plugin: export --language yaml, then the YAML stack adopts it (real Pulumi CLI)", () => {
  let r: YamlRig;
  beforeAll(async () => {
    r = await yamlRig("resources: {}\n", TOKEN);
    const s = r.emu.store;
    const profileT = s.createType({ name: "Profile", allow_create_relationships: true });
    const roleT = s.createType({ name: "Role: Business #1", allow_inherit_entities: true, allow_inherited_from_types: [profileT.id], instructions: 'Ask "your manager"\nfirst' });
    const base = s.createProfile({
      name: "Salesforce Base",
      profile_type: profileT.id,
      labels: ["yes", "#requestable"],
      description: "- starts with a dash: and has a colon",
      entities_to_create_relationships_to: [ent("SalesforceGroup", "sf-1", "g:base"), ent("OktaGroup", "okta-1", "-o1")],
    }).profile;
    // a published second version: the current one, which the program declares without a versionNumber
    s.updateVersion(base.id, 2, { state: "PUBLISHED", entities_to_create_relationships_to: [ent("SalesforceGroup", "sf-1", "g:base-v2")] }, undefined);
    const vpn = s.createProfile({
      name: "Ünïcode VPN ${users} 🎉",
      profile_type: profileT.id,
      custom_properties: { "cost $center": "cc: 1" },
      entities_to_create_relationships_to: [ent("ActiveDirectoryGroup", "ad-corp", "CN=VPN-Users,OU=Groups,DC=corp")],
    }).profile;
    const role = s.createProfile({ name: "Account Executive", profile_type: roleT.id, inherit_entities_from_access_profiles: [base.id, vpn.id] }).profile;
    // a draft on the role: the membership and version then name the published version's number
    s.updateVersion(role.id, 2, { entities_to_create_relationships_to: [] }, undefined);
    s.changeMembers(role.id, role.current_version_number, { type: "ADD", identity_ids: ["alice@example.com", "bob@example.com"] });
    s.changeMembers(vpn.id, vpn.current_version_number, { type: "ADD", identity_ids: ["carol@example.com"] });
  }, 120_000);
  afterAll(() => r?.close());

  test("the exported Pulumi.yaml adopts every object with no write; the next preview has no changes and sends nothing", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "veza-migrate-"));
    const out = path.join(dir, "Pulumi.yaml");
    const exported = await cli(["export", "--language", "yaml", "--project", PROJECT, "-o", out], {
      ...process.env,
      VEZA_URL: r.emu.url,
      VEZA_API_TOKEN: TOKEN,
      VEZA_TOKEN: undefined,
    });
    expect(exported).toMatchObject({ status: 0, stdout: "" });
    expect(exported.stderr).toContain("wrote 2 types and 3 profiles to");
    const program = fs.readFileSync(out, "utf8");
    fs.rmSync(dir, { recursive: true, force: true });
    expect(program).not.toContain(TOKEN);
    expect(program).toContain(`name: ${PROJECT}\nruntime: yaml\n`);
    r.setPulumiYaml(withPlugin(program));

    const before = snapshot(r);
    r.emu.resetStats();
    const up = await r.stack.up();
    expectOk(up);
    const ops = Object.fromEntries(Object.entries(stepsOf(up.events)).map(([urn, op]) => [nameOf(urn), op]));
    // every declaration is a create for Pulumi (new to the stack) and an adoption for Veza
    expect(ops).toEqual({
      "profile-type": "create",
      "role-business-1-type": "create",
      "salesforce-base": "create",
      "salesforce-base-version": "create",
      "unicode-vpn-users": "create",
      "unicode-vpn-users-version": "create",
      "unicode-vpn-users-members": "create",
      "account-executive": "create",
      "account-executive-version": "create",
      "account-executive-members": "create",
    });
    const writes = r.emu.requests().filter((q) => q.method !== "GET");
    expect(writes).toEqual([]); // no POST of a type or profile that exists, no PATCH, no member change
    expect(snapshot(r)).toEqual(before);
    // the stack holds the objects under their Veza ids
    const state = await r.stack.exportState();
    const idOf = (name: string) => state.deployment.resources?.find((x) => nameOf(x.urn) === name)?.id;
    expect(idOf("unicode-vpn-users")).toBe(r.emu.store.findProfileByName("Ünïcode VPN ${users} 🎉")!.id);
    expect(idOf("role-business-1-type")).toBe(r.emu.store.findTypeByName("Role: Business #1")!.id);
    const role = r.emu.store.findProfileByName("Account Executive")!;
    expect(idOf("account-executive-members")).toBe(`${role.id}/versions/${role.current_version_number}/members`);
    expect(`${up.stdout}${up.stderr}`).not.toContain(TOKEN);
    expect(r.stack.everythingWritten()).not.toContain(TOKEN);

    r.emu.resetStats();
    expectOk(await r.stack.run(["preview", "--expect-no-changes"]));
    expect(r.emu.stats().total).toBe(0);
  }, 180_000);
});
