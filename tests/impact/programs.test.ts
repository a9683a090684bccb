/**
 * `pulumi-veza impact` on previews of real programs: one `up` of a base stack through the test
 * engine, then a preview per edit (a preview writes nothing, so every edit starts from the same
 * state), printed in the CLI's `pulumi preview --json` format (harness/preview-json.ts) and read by
 * the impact command as the CLI's output would be.
 *
 * Base stack: LeafA..LeafD grant one entity each; Role inherits LeafA; Team inherits Role.
 * Members: alice holds Team, dave holds Role, carol holds LeafC, erin holds LeafD.
 */
import * as pulumi from "@pulumi/pulumi";
import * as veza from "../../provider";
import { StepRecorder, previewJsonText, stackExport, type Engine } from "../../harness";
import { impactMain, impactOf, type Impact } from "../../provider/impact";
import { IN_PROCESS, rig, type Rig } from "../resources/helpers";

const ent = (entityType: string, entityId: string, datasourceId = "ds-1") => ({ entityType, datasourceId, entityId });
const GA = ent("SalesforceGroup", "gA");
const GA2 = ent("SalesforceGroup", "gA2");
const RB = ent("AwsIamRole", "rB", "aws-1");
const GC = ent("ActiveDirectoryGroup", "gC", "ad-1");
const ED = ent("OktaGroup", "eD", "okta-1");
const EN = ent("OktaGroup", "eN", "okta-1");

interface Edit {
  leafA?: object[];
  roleInherits?: ("leafA" | "leafB" | "leafC" | "leafN")[];
  leafCInherits?: "team"[];
  teamMembers?: pulumi.Input<pulumi.Input<string>[]>;
  carol?: string[];
  leafN?: boolean;
  dropLeafD?: boolean;
  /** LeafC gets another profileType: a replace (a new Veza profile). */
  replaceLeafC?: boolean;
}

function program(edit: Edit = {}) {
  return () => {
    const type = new veza.AccessProfileType("type", { name: "Profile", allowCreateRelationships: true, allowInheritEntities: true });
    const other = edit.replaceLeafC
      ? new veza.AccessProfileType("other-type", { name: "Business Role", allowCreateRelationships: true, allowInheritEntities: true })
      : undefined;
    const profile = (name: string) =>
      new veza.AccessProfile(name, {
        name: name.replace(/^./, (c) => c.toUpperCase()),
        profileType: (name === "leafC" && other ? other : type).id,
      });
    const p: Record<string, veza.AccessProfile> = {};
    for (const n of ["leafA", "leafB", "leafC", "role", "team", ...(edit.dropLeafD ? [] : ["leafD"]), ...(edit.leafN ? ["leafN"] : [])])
      p[n] = profile(n);
    const version = (n: string, entities: object[], inherits: string[] = []) =>
      new veza.AccessProfileVersion(`${n}-v`, {
        accessProfileId: p[n]!.id,
        entities: entities as veza.AccessProfileVersionArgs["entities"],
        inheritFrom: inherits.map((i) => p[i]!.id),
      });
    version("leafA", edit.leafA ?? [GA]);
    version("leafB", [RB]);
    version("leafC", [GC], edit.leafCInherits ?? []);
    if (!edit.dropLeafD) version("leafD", [ED]);
    if (edit.leafN) version("leafN", [EN]);
    version("role", [], edit.roleInherits ?? ["leafA"]);
    version("team", [], ["role"]);
    const members = (n: string, identityIds: pulumi.Input<pulumi.Input<string>[]>) =>
      new veza.ProfileMembership(`${n}-m`, { accessProfileId: p[n]!.id, identityIds });
    members("team", edit.teamMembers ?? ["alice"]);
    members("role", ["dave"]);
    members("leafC", edit.carol ?? ["carol"]);
    if (!edit.dropLeafD) members("leafD", ["erin"]);
  };
}

let r: Rig;
let e: Engine;
const steps = new StepRecorder();

beforeAll(async () => {
  // the middle layer: what is tested is the impact of a preview, not the provider process
  r = await rig({}, IN_PROCESS);
  e = r.engine({ onStep: steps.onStep });
  const up = await e.up(program());
  expect(up.errors).toEqual([]);
  steps.take();
}, 120_000);
afterAll(() => r.close());

/** The preview of `edit` as `pulumi preview --json [--show-sames]` prints it. */
async function previewJson(edit: Edit, showSames = true): Promise<string> {
  const s = await e.preview(program(edit));
  expect(s.errors).toEqual([]);
  return previewJsonText(steps.take(), { showSames });
}

async function impact(edit: Edit): Promise<Impact> {
  return impactOf({ text: await previewJson(edit), file: "preview.json" });
}

const G = (e: { entityType: string; datasourceId: string; entityId: string }, ...via: string[]) => ({ ...e, via });
/** An identity's gain or loss: `G`, and the stack's membership through which it holds via[0]. */
const GM = (membership: string, e: { entityType: string; datasourceId: string; entityId: string }, ...via: string[]) => ({
  ...G(e, ...via),
  member: { memberships: [membership], grantedInVeza: false, unreadable: [] },
});

test("the preview JSON is the CLI's shape: unknown ids of created profiles, propertyDependencies, sames only with --show-sames", async () => {
  const text = await previewJson({ leafN: true, roleInherits: ["leafA", "leafN"] });
  const digest = JSON.parse(text);
  expect(text).toMatch(/^\{\n {4}"steps"/); // json.MarshalIndent with four spaces
  const byUrn = (suffix: string) => digest.steps.find((s: { urn: string }) => s.urn.endsWith(suffix));
  expect(byUrn("::pulumi:pulumi:Stack::project-stack").op).toBe("same");
  const created = byUrn("::leafN");
  expect(created.op).toBe("create");
  expect(created.newState.id).toBeUndefined();
  const role = byUrn("::role-v");
  expect(role.op).toBe("update");
  expect(role.newState.type).toBe("pulumi-nodejs:dynamic/veza:AccessProfileVersion");
  expect(role.newState.inputs.inheritFrom).toContain("04da6b54-80e4-46f7-96ec-b56ff0331ba9");
  expect(role.newState.propertyDependencies.inheritFrom).toEqual(expect.arrayContaining([created.urn]));
  expect(byUrn("::leafB-v").op).toBe("same");
  const withoutSames = JSON.parse(await previewJson({}, false));
  expect(withoutSames.steps.map((s: { op: string }) => s.op)).toEqual(["same"]); // the root stack only
  expect(withoutSames.changeSummary.same).toBeGreaterThan(10);
});

test("a membership change: bob gains what Team grants, carol loses LeafC", async () => {
  const { report } = await impact({ teamMembers: ["alice", "bob"], carol: [] });
  expect(report.identities).toEqual([
    { identity: "bob", gains: [GM("team-m", GA, "Team", "Role", "LeafA")], losses: [] },
    { identity: "carol", gains: [], losses: [GM("leafC-m", GC, "LeafC")] },
  ]);
  expect(report.profiles).toEqual([]);
  expect(report.unresolved).toEqual([]);
});

test("an inheritance edit two levels down reaches Team's and Role's holders, with the path", async () => {
  const { report } = await impact({ roleInherits: ["leafA", "leafB"] });
  expect(report.identities).toEqual([
    { identity: "alice", gains: [GM("team-m", RB, "Team", "Role", "LeafB")], losses: [] },
    { identity: "dave", gains: [GM("role-m", RB, "Role", "LeafB")], losses: [] },
  ]);
  expect(report.profiles).toEqual([
    { profile: "Role", gains: [G(RB, "Role", "LeafB")], losses: [] },
    { profile: "Team", gains: [G(RB, "Team", "Role", "LeafB")], losses: [] },
  ]);
});

test("a new profile reached only through propertyDependencies (its id is unknown in the preview)", async () => {
  const { report } = await impact({ leafN: true, roleInherits: ["leafA", "leafN"] });
  expect(report.identities).toEqual([
    { identity: "alice", gains: [GM("team-m", EN, "Team", "Role", "LeafN")], losses: [] },
    { identity: "dave", gains: [GM("role-m", EN, "Role", "LeafN")], losses: [] },
  ]);
  expect(report.profiles.map((p) => p.profile)).toEqual(["LeafN", "Role", "Team"]);
  expect(report.unresolved).toEqual([]);
});

test("a deleted profile takes its grants away", async () => {
  const { report } = await impact({ dropLeafD: true });
  expect(report.identities).toEqual([{ identity: "erin", gains: [], losses: [GM("leafD-m", ED, "LeafD")] }]);
  expect(report.profiles).toEqual([{ profile: "LeafD", gains: [], losses: [G(ED, "LeafD")] }]);
});

test("a version's entity edit: every holder, direct or through inheritance", async () => {
  const { report } = await impact({ leafA: [GA2] });
  expect(report.identities).toEqual([
    { identity: "alice", gains: [GM("team-m", GA2, "Team", "Role", "LeafA")], losses: [GM("team-m", GA, "Team", "Role", "LeafA")] },
    { identity: "dave", gains: [GM("role-m", GA2, "Role", "LeafA")], losses: [GM("role-m", GA, "Role", "LeafA")] },
  ]);
});

test("a secret identity list is unresolved, named by URN; no one's gains or losses are guessed", async () => {
  const { report } = await impact({ teamMembers: pulumi.secret(["alice", "frank"]), roleInherits: ["leafA", "leafB"] });
  const digest = JSON.parse(await previewJson({ teamMembers: pulumi.secret(["alice", "frank"]) }));
  const team = digest.steps.find((s: { urn: string }) => s.urn.endsWith("::team-m"));
  expect(team.newState.inputs.identityIds).toBe("[secret]");
  expect(report.unresolved).toEqual([
    {
      urn: "urn:pulumi:stack::project::pulumi-nodejs:dynamic/veza:ProfileMembership::team-m",
      reason: expect.stringMatching(/^identityIds is a secret \(\[secret\]\) \(new state\): who holds this profile cannot be listed/),
    },
  ]);
  // whether alice still holds Team is not known: she is neither said to lose it nor to gain through
  // it, and frank is not listed; dave's gain through Role is certain
  expect(report.identities).toEqual([{ identity: "dave", gains: [GM("role-m", RB, "Role", "LeafB")], losses: [] }]);
});

test("an inheritance cycle is reported and walked once", async () => {
  const { report } = await impact({ roleInherits: ["leafA", "leafC"], leafCInherits: ["team"] });
  expect(report.unresolved).toEqual([
    {
      urn: expect.stringMatching(/::(role|team|leafC)-v$/),
      reason: expect.stringMatching(/^inheritance cycle in the new state: .*→.*→.*→/),
    },
  ]);
  const carol = report.identities.find((i) => i.identity === "carol")!;
  expect(carol.gains).toEqual([GM("leafC-m", GA, "LeafC", "Team", "Role", "LeafA")]);
  expect(report.identities.find((i) => i.identity === "alice")!.gains).toEqual([GM("team-m", GC, "Team", "Role", "LeafC")]);
});

test("an empty preview (no change): nothing gains or loses, no warning", async () => {
  const impactOfNothing = await impact({});
  expect(impactOfNothing.report).toEqual({ identities: [], profiles: [], unresolved: [] });
  expect(impactOfNothing.warnings).toEqual([]);
});

test("without --show-sames the unchanged memberships are missing: a warning, and --state fills them in", async () => {
  const text = await previewJson({ roleInherits: ["leafA", "leafB"] }, false);
  const bare = impactOf({ text, file: "p.json" });
  // the changeSummary counts the unchanged resources the preview leaves out
  expect(bare.warnings.join()).toMatch(/^the preview counts \d+ more `same` steps than it shows: run `pulumi preview --json --show-sames`/);
  expect(impactOf({ text: await previewJson({ roleInherits: ["leafA", "leafB"] }), file: "p.json" }).warnings).toEqual([]);
  expect(bare.report.identities).toEqual([]); // who holds Role and Team is not in this input
  const state = JSON.stringify(stackExport(e.state().resources));
  const filled = impactOf({ text, file: "p.json" }, { text: state, file: "state.json" });
  expect(filled.warnings).toEqual([]);
  expect(filled.report.identities.map((i) => i.identity)).toEqual(["alice", "dave"]);
});

test("the command: markdown by default, --format json, gates and exit codes on a real preview", async () => {
  const fs = await import("node:fs");
  const path = await import("node:path");
  const file = path.join(r.dir, "preview.json");
  fs.writeFileSync(file, await previewJson({ roleInherits: ["leafA", "leafB"] }));
  const run = async (...argv: string[]) => {
    let out = "";
    let err = "";
    const io = {
      stdout: { write: (s: string) => ((out += s), true) },
      stderr: { write: (s: string) => ((err += s), true) },
      stdin: process.stdin,
    };
    const code = await impactMain(argv, io as never);
    return { code, out, err };
  };
  const md = await run(file);
  expect(md.code).toBe(0);
  expect(md.out).toContain("**2 identities gain access, 0 identities lose access;");
  expect(md.out).toContain("| + | AwsIamRole `rB` | `aws-1` | Team → Role → LeafB |");
  expect(md.out).toContain("```mermaid");
  const json = await run(file, "--format", "json");
  expect(Object.keys(JSON.parse(json.out))).toEqual(["identities", "profiles", "unresolved"]);
  expect(await run(file, "--fail-on-loss")).toMatchObject({ code: 0 });
  const gate = await run(file, "--fail-on-gain");
  expect(gate.code).toBe(1);
  expect(gate.err).toBe("pulumi-veza impact: --fail-on-gain: 2 identities gain access\n");
});

/**
 * docs/impact.md shows two comments exactly as `pulumi-veza impact` prints them (impactMain is the
 * bin's code): a replace, and a secret member list that leaves a value unresolved. They are made
 * here from real previews, so they cannot go stale; VEZA_IMPACT_WRITE_DOCS=1 rewrites them.
 */
test("docs/impact.md: the Markdown of a replace and of an unresolved secret, as the command prints them", async () => {
  const fs = await import("node:fs");
  const path = await import("node:path");
  const { Readable } = await import("node:stream");
  const printed = async (edit: Edit) => {
    let out = "";
    const io = {
      stdout: { write: (s: string) => ((out += s), true) },
      stderr: { write: () => true },
      stdin: Readable.from([await previewJson(edit)]),
    };
    expect(await impactMain([], io as never)).toBe(0);
    return out;
  };
  const examples = {
    // LeafC replaced, and its membership now lists frank instead of carol
    replace: await printed({ replaceLeafC: true, carol: ["frank"] }),
    secret: await printed({ teamMembers: pulumi.secret(["alice", "frank"]) }),
  };
  expect(examples.replace).toContain('> **Warning:** profile "LeafC" is replaced');
  expect(examples.replace).toContain("| + | ActiveDirectoryGroup `gC` | `ad-1` | LeafC | membership leafC-m |");
  // frank never held it: he is not said to get it back
  expect(examples.replace).toContain("1 holder(s) do not get it back (carol)\n");
  expect(examples.secret).toContain("Nothing that could be read changes; 1 value could not be read");
  const file = path.join(__dirname, "..", "..", "docs", "impact.md");
  let doc = fs.readFileSync(file, "utf8");
  for (const [name, md] of Object.entries(examples)) {
    const start = `<!-- impact-example:${name} -->\n\`\`\`\`markdown\n`;
    const end = "````\n<!-- impact-example:end -->";
    const a = doc.indexOf(start);
    const b = doc.indexOf(end, a);
    expect([name, a >= 0 && b > a]).toEqual([name, true]);
    if (process.env.VEZA_IMPACT_WRITE_DOCS) doc = doc.slice(0, a + start.length) + md + doc.slice(b);
    else expect(doc.slice(a + start.length, b)).toBe(md); // stale: VEZA_IMPACT_WRITE_DOCS=1 rewrites it
  }
  if (process.env.VEZA_IMPACT_WRITE_DOCS) fs.writeFileSync(file, doc);
});
