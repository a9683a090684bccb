/**
 * `pulumi-veza impact` on the real CLI's own `pulumi preview --json --show-sames`: the bootstrap
 * catalog up through the CLI, then previews of edits, each read by the built bin as a CI job does
 * (`pulumi preview … | npx pulumi-veza impact`). The first edit is the one tests/impact/bootstrap.test.ts
 * reads from the test engine's JSON: both must give the same report.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { cli } from "../export/run-cli";
import { cliRig, describeWithCli, type CliRig } from "./cli";
import { ATHENA_GAIN, VPN_LOSS } from "../impact/bootstrap-edit";

const REPO = path.resolve(__dirname, "..", "..");
const dist = (p: string) => JSON.stringify(path.join(REPO, "dist", "examples", "bootstrap", p));

/** The bootstrap example (its compiled program), plus edits from `demo:*` config. */
const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const veza = require("pulumi-veza");
const { loadCatalog } = require(${dist("catalog.js")});
const { bootstrap } = require(${dist("program.js")});
const cfg = new pulumi.Config("demo");
const ids = bootstrap(loadCatalog(cfg.require("catalog")));
if (cfg.getBoolean("dataRole")) {
  // a new role reached only through the new profile's id (propertyDependencies), with a secret member list
  const role = new veza.AccessProfile("profile:Data Role", { name: "Data Role", profileType: ids.typeIds["Business Role"] });
  new veza.AccessProfileVersion("version:Data Role", { accessProfileId: role.id, inheritFrom: [ids.profileIds["AWS Analytics Engineer"]] });
  new veza.ProfileMembership("members:Data Role", { accessProfileId: role.id, identityIds: ["erin@example.com"] });
  new veza.ProfileMembership("members:Data Role (contractors)", { accessProfileId: role.id, identityIds: pulumi.secret(["frank@example.com"]) });
}
`;

/** `pulumi-veza impact ARGS` with the preview's JSON piped in, as a CI job runs it. */
async function impact(previewJson: string, args: string[]): Promise<{ code: number; out: string }> {
  const r = await cli(["impact", ...args], process.env, previewJson);
  return { code: r.status ?? 1, out: r.stdout };
}

describeWithCli("pulumi-veza impact on the real CLI's preview JSON", () => {
  let r: CliRig;
  let dir: string;
  const catalogText = fs.readFileSync(path.join(REPO, "examples", "bootstrap", "catalog.yaml"), "utf8");
  const writeCatalog = (name: string, text: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "veza-cli-impact-"));
    r = await cliRig(PROGRAM, { config: { "demo:catalog": writeCatalog("catalog.yaml", catalogText) } });
    const up = await r.stack.up();
    if (up.code !== 0) throw new Error(`${up.stdout}\n${up.stderr}`);
  }, 180_000);
  afterAll(async () => {
    await r?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test("the bootstrap inheritance edit: the same report as from the test engine's JSON", async () => {
    const edited = catalogText.replace(
      "inherits: [Salesforce Sales User, Okta Sales Apps, AD VPN Users]",
      "inherits: [Salesforce Sales User, Okta Sales Apps, AWS Analytics Engineer]",
    );
    expect(edited).not.toBe(catalogText);
    await r.stack.setConfig("demo:catalog", writeCatalog("edited.yaml", edited));
    r.emu.resetStats();
    const { doc, result } = await r.stack.previewJson();
    expect(result.code).toBe(0);
    expect(r.emu.stats().total).toBe(0);
    const out = await impact(result.stdout, ["--format", "json"]);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.out)).toMatchObject({
      identities: [
        { identity: "alice@example.com", gains: [ATHENA_GAIN], losses: [VPN_LOSS] },
        { identity: "bob@example.com", gains: [ATHENA_GAIN], losses: [VPN_LOSS] },
      ],
      profiles: [{ profile: "Account Executive", gains: [ATHENA_GAIN], losses: [VPN_LOSS] }],
      unresolved: [],
    });
    expect(doc.steps.filter((s) => s.op === "update").map((s) => s.urn.split("::").pop())).toEqual(["version:Account Executive"]);
  });

  test("a deleted profile, a new role reached through propertyDependencies, a secret member list: losses, gains, and the gate trips on what it cannot read", async () => {
    const withoutOkta = catalogText.replace(/ {2}- name: Okta Everyone[\s\S]*?(?=\n {2}- name:)/, "");
    expect(withoutOkta).not.toContain("Okta Everyone");
    await r.stack.setConfigs({ "demo:catalog": writeCatalog("edited2.yaml", withoutOkta), "demo:dataRole": "true" });
    const { result } = await r.stack.previewJson();
    expect(result.code).toBe(0);
    const json = await impact(result.stdout, ["--format", "json"]);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.out) as {
      identities: { identity: string; gains: { via: string[] }[]; losses: { via: string[] }[] }[];
      unresolved: { urn: string }[];
    };
    const who = Object.fromEntries(report.identities.map((i) => [i.identity, i]));
    // Okta Everyone's four members lose it
    for (const id of ["alice@example.com", "bob@example.com", "carol@example.com", "dan@example.com"]) {
      expect(who[id]?.losses.map((l) => l.via)).toContainEqual(["Okta Everyone"]);
    }
    // erin gains the analytics role through the new role, known only by its unknown id in the preview
    expect(who["erin@example.com"]?.gains.map((g) => g.via)).toEqual([["Data Role", "AWS Analytics Engineer"]]);
    // frank's list is a secret: not listed, but unresolved; the gate trips on it
    expect(who["frank@example.com"]).toBeUndefined();
    expect(report.unresolved.map((u) => u.urn.split("::").pop())).toContain("members:Data Role (contractors)");
    const gate = await impact(result.stdout, ["--fail-on-gain"]);
    expect(gate.code).toBe(1);
    expect(gate.out).not.toContain("frank@example.com");
  });

  test("examples/ci/veza-preview.yml's preview and access-impact steps run as written", async () => {
    const wf = parse(fs.readFileSync(path.join(REPO, "examples", "ci", "veza-preview.yml"), "utf8")) as {
      jobs: Record<string, { steps: { name?: string; run?: string }[] }>;
    };
    const step = (name: string) => wf.jobs.preview!.steps.find((s) => s.name === name)!.run!;
    const summary = path.join(dir, "summary.md");
    const env = { PULUMI_STACK: r.stack.stack, GITHUB_STEP_SUMMARY: summary };
    const preview = await r.stack.shell(step("pulumi preview"), env);
    expect(preview.code).toBe(0);
    const impactStep = await r.stack.shell(step("Access impact"), env);
    expect(`exit ${impactStep.code} ${impactStep.stderr}`.trim()).toBe("exit 0");
    const md = fs.readFileSync(path.join(r.stack.programDir, "impact.md"), "utf8");
    expect(md.startsWith("<!-- pulumi-veza-impact -->")).toBe(true);
    expect(md).toMatch(/\d+ identit(y gains|ies gain) access/);
    expect(fs.readFileSync(summary, "utf8")).toBe(md);
  });
});
