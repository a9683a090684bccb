/**
 * The provider plugin `veza` through the real Pulumi CLI, from a YAML program (pulumi-yaml's language
 * host), against the emulator in the routes mode of the jest project: the bootstrap shape (a type,
 * profiles, versions with inheritance, a membership), one stack's life as a user's commands run it.
 * A YAML program cannot use the dynamic provider at all: this is the plugin's reason to exist.
 */
import { nameOf, stepsOf, type CliResult } from "../../harness/pulumi-cli";
import { expectHandEditRoundTrip } from "../real-cli/cli";
import { describeWithYaml, yamlRig, type YamlRig } from "./plugin-cli";

const TOKEN = "veza-yaml-token-MUST-NOT-LEAK-3c1d";
const documentedOnly = process.env.VEZA_EMULATOR_ROUTES === "documented";

const BOOTSTRAP = `
resources:
  type:
    type: veza:index:AccessProfileType
    properties:
      name: Profile
      allowCreateRelationships: true
      allowInheritEntities: true
  base:
    type: veza:index:AccessProfile
    properties:
      name: Base
      profileType: \${type.id}
      labels: [a]
      description: managed
  base-v:
    type: veza:index:AccessProfileVersion
    properties:
      accessProfileId: \${base.id}
      entities:
        - entityType: SalesforceGroup
          datasourceId: sf-1
          entityId: g-base
  app:
    type: veza:index:AccessProfile
    properties:
      profileType: \${type.id}
  app-v:
    type: veza:index:AccessProfileVersion
    properties:
      accessProfileId: \${app.id}
      inheritFrom: ["\${base.id}"]
      entities:
        - entityType: SalesforceGroup
          datasourceId: sf-1
          entityId: g-app
  app-m:
    type: veza:index:ProfileMembership
    properties:
      accessProfileId: \${app.id}
      versionNumber: \${app.currentVersionNumber}
      identityIds: [alice]
`;
const OUTPUTS = `
outputs:
  baseId: \${base.id}
  appVersion: \${app.currentVersionNumber}
`;
const LOOKUPS = `
variables:
  integrations:
    fn::invoke:
      function: veza:index:getAvailableIntegrations
      return: integrations
  profiles:
    fn::invoke:
      function: veza:index:listAccessProfiles
      arguments:
        filter: name eq "Base"
      return: profiles
outputs:
  integrations: \${integrations}
  profiles: \${profiles}
`;

function ops(r: CliResult): Record<string, string> {
  return Object.fromEntries(Object.entries(stepsOf(r.events)).map(([urn, op]) => [nameOf(urn), op]));
}

function expectOk(r: CliResult): void {
  if (r.code !== 0) throw new Error(`pulumi exited ${r.code}\n${r.stdout}\n${r.stderr}`);
}

const mutations = (byRoute: Record<string, number>) => Object.keys(byRoute).filter((k) => !k.startsWith("GET"));

describeWithYaml(
  `the veza plugin from a YAML program under the real Pulumi CLI (routes ${process.env.VEZA_EMULATOR_ROUTES ?? "all"})`,
  () => {
    let r: YamlRig;
    beforeAll(async () => {
      r = await yamlRig(BOOTSTRAP + OUTPUTS, TOKEN);
    }, 120_000);
    afterAll(() => r?.close());

    test("up creates the bootstrap shape: the inheritance and the membership are in Veza", async () => {
      const up = await r.stack.up();
      expectOk(up);
      expect(ops(up)).toEqual({ type: "create", base: "create", "base-v": "create", app: "create", "app-v": "create", "app-m": "create" });
      const base = r.emu.store.findProfileByName("Base")!;
      // `app` has no name: the plugin's Check filled it from the logical name
      const app = r.emu.store.findProfileByName("app")!;
      expect(app).toBeDefined();
      const appVersion = r.emu.store.currentVersion(app)!;
      expect(appVersion.inherit_entities_from_access_profiles).toEqual([base.id]);
      expect(r.emu.store.listMembers(app.id, app.current_version_number ?? 1).map((m) => m.identity_id)).toEqual(["alice"]);
      const out = await r.stack.outputs();
      expect(out).toEqual({ baseId: base.id, appVersion: 1 });
      // the token is in no file the stack wrote, nor in the CLI's output
      expect(r.stack.everythingWritten()).not.toContain(TOKEN);
      expect(`${up.stdout}${up.stderr}`).not.toContain(TOKEN);
    });

    test("a second up changes nothing; `preview --expect-no-changes` sends 0 requests", async () => {
      r.emu.resetStats();
      expectOk(await r.stack.run(["preview", "--expect-no-changes"]));
      expect(r.emu.stats().total).toBe(0);
      const up = await r.stack.up();
      expectOk(up);
      expect(new Set(Object.values(ops(up)))).toEqual(new Set(["same"]));
      expect(mutations(r.emu.stats().byRoute)).toEqual([]);
    });

    test("a bad input fails the preview naming the field and what is allowed, with nothing sent", async () => {
      r.setProgram(
        `${BOOTSTRAP}  bad:\n    type: veza:index:AccessProfile\n    properties:\n      name: Bad\n      profileType: \${type.id}\n      state: SOMETIMES\n${OUTPUTS}`,
      );
      r.emu.resetStats();
      const preview = await r.stack.run(["preview"]);
      expect(preview.code).not.toBe(0);
      expect(`${preview.stdout}${preview.stderr}`).toContain(
        'AccessProfile "Bad": state must be one of INITIAL, RUNNING, PAUSED, DRY_RUN, PENDING',
      );
      expect(r.emu.stats().total).toBe(0);
      r.setProgram(BOOTSTRAP + OUTPUTS);
    });

    test("the look-ups are functions: fn::invoke of getAvailableIntegrations and listAccessProfiles", async () => {
      r.setProgram(BOOTSTRAP + LOOKUPS);
      const up = await r.stack.up();
      expectOk(up);
      const out = await r.stack.outputs();
      expect((out.profiles as { name: string }[]).map((p) => p.name)).toEqual(["Base"]);
      expect(out.integrations).toEqual(expect.arrayContaining(["SALESFORCE"]));
      r.setProgram(BOOTSTRAP + OUTPUTS);
    });

    test("refresh after a hand edit in Veza names the drift; preview shows it; the next up puts the program's value back", async () => {
      await expectHandEditRoundTrip(r.stack, r.emu, { diffReasons: ["labels"] });
    });

    test("`pulumi import veza:index:AccessProfile NAME ID` adopts a profile made in Veza and prints its code; the program holding it is then `same`", async () => {
      const typeId = r.emu.store.findTypeByName("Profile")!.id;
      const made = r.emu.store.createProfile({
        name: "Adopted",
        profile_type: typeId,
        description: "made by hand",
        labels: ["x", "y"],
      }).profile;
      const imported = await r.stack.run(["import", "veza:index:AccessProfile", "adopted", made.id, "--yes", "--protect=false"]);
      expectOk(imported);
      // the printed YAML names the type by its short form (veza:AccessProfile)
      expect(imported.stdout).toMatch(/type: veza:(index:)?AccessProfile\n/);
      expect(imported.stdout).toMatch(/name: Adopted/);
      expect(imported.stdout).toMatch(/description: made by hand/);
      r.setProgram(
        `${BOOTSTRAP}  adopted:\n    type: veza:index:AccessProfile\n    properties:\n      name: Adopted\n      profileType: \${type.id}\n      description: made by hand\n      labels: [y, x]\n${OUTPUTS}`,
      );
      r.emu.resetStats();
      const up = await r.stack.up();
      expectOk(up);
      expect(ops(up).adopted).toBe("same");
      expect(mutations(r.emu.stats().byRoute)).toEqual([]);
    });

    // a tenant without DELETE routes cannot replace a profile of the same name (it retires the old one): the dynamic provider's suites cover that
    (documentedOnly ? test.skip : test)(
      "a replacing change (profileType) replaces the profile, deleting the old one first (its name is unique)",
      async () => {
        const before = r.emu.store.findProfileByName("Adopted")!.id;
        r.setProgram(
          `${BOOTSTRAP}  other:\n    type: veza:index:AccessProfileType\n    properties:\n      name: Other\n  adopted:\n    type: veza:index:AccessProfile\n    properties:\n      name: Adopted\n      profileType: \${other.id}\n      description: made by hand\n${OUTPUTS}`,
        );
        const { doc } = await r.stack.previewJson();
        expect(doc.steps.filter((s) => nameOf(s.urn) === "adopted").map((s) => s.op)).toEqual(["replace"]);
        const up = await r.stack.up();
        expectOk(up);
        // every step of the replacement, in order: the old profile is deleted before the new one is created
        const steps = up.events
          .map((e) => e.resOutputsEvent?.metadata)
          .filter((m) => m && nameOf(m.urn) === "adopted")
          .map((m) => m!.op);
        expect(steps.indexOf("delete-replaced")).toBeGreaterThanOrEqual(0);
        expect(steps.indexOf("delete-replaced")).toBeLessThan(steps.indexOf("create-replacement"));
        const after = r.emu.store.findProfileByName("Adopted")!;
        expect(after.id).not.toBe(before);
        expect(after.profile_type).toBe(r.emu.store.findTypeByName("Other")!.id);
      },
    );

    test("destroy removes what the stack made", async () => {
      const d = await r.stack.destroy();
      expectOk(d);
      expect(new Set(Object.values(ops(d)))).toEqual(new Set(["delete"]));
      const profiles = r.emu.store.listProfiles();
      if (documentedOnly) {
        expect(profiles.map((p) => p.state)).toEqual(profiles.map(() => "PAUSED"));
        expect(`${d.stdout}${d.stderr}`).toMatch(/was NOT deleted/);
      } else {
        expect(profiles).toEqual([]);
      }
      for (const p of profiles) expect(r.emu.store.listMembers(p.id, p.current_version_number ?? 1)).toEqual([]);
    });
  },
);
