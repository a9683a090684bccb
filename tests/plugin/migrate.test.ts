/**
 * Moving a stack to the `veza` plugin in place, as docs/plugin.md's "Moving a stack to the plugin"
 * says, through the real CLI: a TypeScript stack of dynamic resources makes the tenant (types, one
 * inheriting from the other, profiles with inheritance, versions, members, names that YAML and
 * pulumi-yaml could misread), and Veza's UI adds a draft and a republished version. `pulumi-veza
 * export --language yaml` writes the Pulumi.yaml, `pulumi state delete --all` forgets the dynamic
 * resources (nothing sent), and the same stack and config run the YAML program: its `up` adopts every
 * object with no write request (the emulator's log), and `preview --expect-no-changes` sends nothing.
 * Seven Pulumi commands (stack init, two config sets, the dynamic up, state delete, up, preview) and one export.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { nameOf, stepsOf, type CliResult } from "../../harness/pulumi-cli";
import { cli } from "../export/run-cli";
import { cli as pulumiCli, cliRig, TOKEN, type CliRig } from "../real-cli/cli";
import { describeWithYaml, withPlugin, yamlHostDir } from "./plugin-cli";

/** The dynamic stack's program: what a TypeScript user had before the move. */
const PROGRAM = `
const veza = require("pulumi-veza");
const profile = new veza.AccessProfileType("profile", { name: "Profile", allowCreateRelationships: true });
const role = new veza.AccessProfileType("role", { name: "Role: Business #1", allowInheritEntities: true, allowInheritedFromTypes: [profile.id], instructions: 'Ask "your manager"\\nfirst' });
const base = new veza.AccessProfile("base", { name: "Salesforce Base", profileType: profile.id, labels: ["yes", "#requestable"], description: "- starts with a dash: and has a colon" });
new veza.AccessProfileVersion("base-v", { accessProfileId: base.id, entities: [
  { entityType: "SalesforceGroup", datasourceId: "sf-1", entityId: "g:base" },
  { entityType: "OktaGroup", datasourceId: "okta-1", entityId: "-o1" },
] });
const vpn = new veza.AccessProfile("vpn", { name: "Ünïcode VPN \${users} 🎉", profileType: profile.id, customProperties: { "cost $center": "cc: 1" } });
new veza.AccessProfileVersion("vpn-v", { accessProfileId: vpn.id, entities: [{ entityType: "ActiveDirectoryGroup", datasourceId: "ad-corp", entityId: "CN=VPN-Users,OU=Groups,DC=corp" }] });
new veza.ProfileMembership("vpn-m", { accessProfileId: vpn.id, identityIds: ["carol@example.com"] });
const ae = new veza.AccessProfile("ae", { name: "Account Executive", profileType: role.id });
new veza.AccessProfileVersion("ae-v", { accessProfileId: ae.id, inheritFrom: [base.id, vpn.id] });
new veza.ProfileMembership("ae-m", { accessProfileId: ae.id, identityIds: ["alice@example.com", "bob@example.com"] });
`;

function expectOk(r: CliResult): void {
  if (r.code !== 0) throw new Error(`pulumi exited ${r.code}\n${r.stdout}\n${r.stderr}`);
}

/** The tenant without timestamps, lists as sets: "nothing changed". */
function snapshot(r: CliRig): unknown {
  return JSON.parse(
    JSON.stringify(r.emu.store.toJSON(), (k, x) =>
      /_at$/.test(k) ? undefined : Array.isArray(x) ? [...x].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) : x,
    ),
  );
}

describeWithYaml(
  "moving a dynamic stack to the veza plugin in place: export --language yaml, state delete, the YAML program adopts (real Pulumi CLI)",
  () => {
    let r: CliRig;
    beforeAll(async () => {
      // the YAML host and the CLI on PATH, for when the same stack runs the YAML program
      r = await cliRig(PROGRAM, {
        stack: { env: { PATH: `${pulumiCli!.binDir}${path.delimiter}${yamlHostDir}${path.delimiter}${process.env.PATH ?? ""}` } },
      });
      expectOk(await r.stack.up());
      // made in Veza's UI, outside the stack: a republished version and a draft
      const s = r.emu.store;
      const base = s.findProfileByName("Salesforce Base")!;
      s.updateVersion(
        base.id,
        2,
        {
          state: "PUBLISHED",
          entities_to_create_relationships_to: [{ entity_type: "SalesforceGroup", datasource_id: "sf-1", entity_id: "g:base-v2" }],
        },
        undefined,
      );
      s.updateVersion(s.findProfileByName("Account Executive")!.id, 2, { entities_to_create_relationships_to: [] }, undefined);
    }, 180_000);
    afterAll(() => r?.close());

    test("the exported Pulumi.yaml adopts every object with no write; the next preview has no changes and sends nothing", async () => {
      const pulumiYaml = path.join(r.stack.programDir, "Pulumi.yaml");
      const project = /^name: (.+)$/m.exec(fs.readFileSync(pulumiYaml, "utf8"))![1]!;
      const exported = await cli(["export", "--language", "yaml", "--project", project], {
        ...process.env,
        VEZA_URL: r.emu.url,
        VEZA_API_TOKEN: TOKEN,
        VEZA_TOKEN: undefined,
      });
      expect(exported.status).toBe(0);
      const program = exported.stdout;
      expect(program).toContain(`name: ${project}\nruntime: yaml\n`);
      expect(program).not.toContain(TOKEN);
      expect(exported.stderr).not.toContain(TOKEN);

      // forget the dynamic resources: the state only, nothing sent to Veza
      const before = snapshot(r);
      r.emu.resetStats();
      expectOk(await r.stack.run(["state", "delete", "--all", "--yes"]));
      expect(r.emu.stats().total).toBe(0);
      expect((await r.stack.exportState()).deployment.resources ?? []).toEqual([]);

      // the same stack and config (veza:url, veza:apiToken) run the YAML program
      fs.writeFileSync(pulumiYaml, withPlugin(program));
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
      // the stack holds the objects under their Veza ids, the plugin's types
      const state = await r.stack.exportState();
      const res = (name: string) => state.deployment.resources?.find((x) => nameOf(x.urn) === name);
      expect(res("unicode-vpn-users")).toMatchObject({
        type: "veza:index:AccessProfile",
        id: r.emu.store.findProfileByName("Ünïcode VPN ${users} 🎉")!.id,
      });
      expect(res("role-business-1-type")).toMatchObject({
        type: "veza:index:AccessProfileType",
        id: r.emu.store.findTypeByName("Role: Business #1")!.id,
      });
      const ae = r.emu.store.findProfileByName("Account Executive")!;
      expect(res("account-executive-members")?.id).toBe(`${ae.id}/versions/${ae.current_version_number}/members`);
      expect(`${up.stdout}${up.stderr}`).not.toContain(TOKEN);
      expect(r.stack.everythingWritten()).not.toContain(TOKEN);

      r.emu.resetStats();
      expectOk(await r.stack.run(["preview", "--expect-no-changes"]));
      expect(r.emu.stats().total).toBe(0);
    }, 180_000);
  },
);
