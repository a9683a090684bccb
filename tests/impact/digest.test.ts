/**
 * `pulumi-veza impact` on hand-written digests (no engine): bad input and exit codes, the stack
 * export's secrets, what the formats print, shortest paths, replacement steps, memberships that keep
 * identities they did not grant.
 */
import { spawnSync } from "node:child_process";
import { Readable } from "node:stream";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { analyse, impactMain, parsePreview, parseStackExport, render, sidesOf, type PreviewDigest } from "../../provider/impact";
import { e, same, state, through, update, urn, type Props, type S } from "./digest-fixtures";

const REPO = path.resolve(__dirname, "..", "..");
const CLI = path.join(REPO, "dist", "provider", "cli.js");
const U = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const profile = (name: string, id: string) => state("AccessProfile", name, id, { name, currentVersionNumber: 1 });
const version = (name: string, pid: string, entities: Props[], inheritFrom: string[] = [], extra: Props = {}) =>
  state("AccessProfileVersion", `${name}-v`, `${pid}/versions/1`, { accessProfileId: pid, versionNumber: 1, entities, inheritFrom }, extra);
const members = (name: string, pid: string, identityIds: unknown, more: Props = {}) =>
  state("ProfileMembership", `${name}-m`, `${pid}/versions/1/members`, { accessProfileId: pid, versionNumber: 1, identityIds, ...more });

/** The subcommand in-process (the bin itself is started once, below). */
async function run(argv: string[], stdin = "") {
  const o = { code: 0, out: "", err: "" };
  const sink = (k: "out" | "err") => ({ write: (s: string) => ((o[k] += s), true) });
  o.code = await impactMain(argv, { stdout: sink("out"), stderr: sink("err"), stdin: Readable.from([stdin]) } as never);
  return o;
}

describe("bad input: exit 2 and one line naming the file and what is wrong", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "veza-impact-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };

  test.each([
    [
      "not JSON",
      "{ steps: [",
      /^pulumi-veza impact: .*bad\.json: not JSON \(.*\); expected the output of `pulumi preview --json --show-sames`\n$/,
    ],
    ["empty", "", /^pulumi-veza impact: .*bad\.json: empty input; expected the output of `pulumi preview --json --show-sames`\n$/],
    ["a list", "[]", /bad\.json: expected a JSON object \(the output of `pulumi preview --json --show-sames`\), got a list\n$/],
    ["a step without op", JSON.stringify({ steps: [{ urn: "x" }] }), /bad\.json: steps\[0\]\.op: must be a step operation string/],
    [
      "a state with a bad URN",
      JSON.stringify({ steps: [{ op: "same", urn: "x", newState: { urn: 5, type: "t" } }] }),
      /bad\.json: steps\[0\]\.newState\.urn: must be a URN string/,
    ],
    [
      "an engine event stream",
      [
        '{"sequence":0,"timestamp":1,"preludeEvent":{"config":{}}}',
        '{"sequence":1,"timestamp":1,"resourcePreEvent":{"metadata":{"op":"same"}}}',
      ].join("\n"),
      /bad\.json: a stream of engine events \(`pulumi up --json`, or a preview with PULUMI_ENABLE_STREAMING_JSON_PREVIEW set\), not the preview's JSON document/,
    ],
    [
      "a stack export",
      JSON.stringify({ version: 3, deployment: { resources: [] } }),
      /bad\.json: this is a `pulumi stack export`, not a preview; pass it with --state/,
    ],
  ])("%s", async (_what, text, message) => {
    const r = await run([file("bad.json", text)]);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toMatch(message);
    expect(r.err.trim().split("\n")).toHaveLength(1); // no stack trace
  });

  test("a missing file, a bad --state, a bad --format", async () => {
    expect(await run([path.join(dir, "nope.json")])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/nope\.json: cannot be read \(no such file\)\n$/),
    });
    const ok = file("ok.json", '{"steps":[]}');
    expect(await run([ok, "--state", file("s.json", "{}")])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/s\.json: not a `pulumi stack export`: version: must be the deployment version number/),
    });
    expect((await run([ok, "--format", "html"])).err).toMatch(/--format must be one of markdown, json, text, got "html"/);
  });

  test("standard input when FILE is absent or -", async () => {
    expect(await run([], '{"steps":[]}')).toMatchObject({
      code: 0,
      out: expect.stringContaining("No identity gains or loses an entitlement."),
    });
    expect(await run(["-", "--format", "json"], '{"steps":[]}')).toMatchObject({
      code: 0,
      out: '{\n  "identities": [],\n  "profiles": [],\n  "unresolved": []\n}\n',
    });
  });

  test("the bin: `pulumi-veza impact` reads standard input; bad input is exit 2 with one line, no stack trace", () => {
    const ok = spawnSync(process.execPath, [CLI, "impact", "--format", "json"], { input: '{"steps":[]}', encoding: "utf8" });
    expect({ code: ok.status, out: ok.stdout }).toEqual({
      code: 0,
      out: '{\n  "identities": [],\n  "profiles": [],\n  "unresolved": []\n}\n',
    });
    const bad = spawnSync(process.execPath, [CLI, "impact", "-"], { input: "nope", encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(
      /^pulumi-veza impact: standard input: not JSON \(.*\); expected the output of `pulumi preview --json --show-sames`\n$/,
    );
  });
});

test("input.ts's own check of a document never accepts what the zod schemas reject (they say what is wrong)", () => {
  const resource = {
    urn: "urn:pulumi:s::p::t::r",
    type: "t",
    id: "x",
    inputs: {},
    outputs: null,
    dependencies: ["u"],
    propertyDependencies: { a: ["u"], b: null },
    delete: false,
    external: true,
  };
  const valid = {
    config: {},
    steps: [{ op: "same", urn: "u", oldState: resource, newState: resource }],
    diagnostics: [],
    changeSummary: { same: 1 },
  };
  const wrong = [undefined, null, 1, "s", true, [], ["s"], [1], {}, { a: 1 }, { a: [1] }, { a: null }];
  // every field of the digest, a step and a resource set to every wrong value in turn
  const docs: unknown[] = [valid];
  const at = (path: (string | number)[], v: unknown) => {
    const doc = JSON.parse(JSON.stringify(valid));
    let o = doc;
    for (const k of path.slice(0, -1)) o = o[k];
    if (v === undefined) delete o[path.at(-1)!];
    else o[path.at(-1)!] = v;
    return doc;
  };
  const fields = [
    ...Object.keys(valid).map((k) => [k]),
    ...["op", "urn", "oldState", "newState"].map((k) => ["steps", 0, k]),
    ...Object.keys(resource).map((k) => ["steps", 0, "newState", k]),
    ["steps", 0, "newState", "propertyDependencies", "a"],
    ["changeSummary", "same"],
  ];
  for (const f of fields) for (const v of wrong) docs.push(at(f, v));
  const { previewDigest, stackExport } = require("../../provider/impact/schema") as typeof import("../../provider/impact/schema");
  const accepted = (text: string, parse: (t: string, f: string) => unknown) => {
    try {
      parse(text, "f.json");
      return true;
    } catch {
      return false;
    }
  };
  const disagree = docs.filter((d) => accepted(JSON.stringify(d), parsePreview) !== previewDigest.safeParse(d).success);
  expect(disagree).toEqual([]);
  // both answers occur: the wrong values are wrong for most fields, and fine for some (a nullish one)
  const rejected = docs.filter((d) => !previewDigest.safeParse(d).success).length;
  expect([rejected > 150, docs.length - rejected > 20]).toEqual([true, true]);
  // and the stack export's
  const exports = [
    { version: 3, deployment: { resources: [resource] } },
    ...wrong.map((v) => ({ version: 3, deployment: { resources: [{ ...resource, id: v }] } })),
    ...wrong.map((v) => ({ version: v, deployment: {} })),
    ...wrong.map((v) => ({ version: 3, deployment: v })),
  ];
  expect(exports.filter((d) => accepted(JSON.stringify(d), parseStackExport) !== stackExport.safeParse(d).success)).toEqual([]);
});

describe("the model", () => {
  const A = profile("A", "pa");
  const B = profile("B", "pb");
  const C = profile("C", "pc");
  const base = [A, B, C, version("A", "pa", [e("a")], ["pb"]), version("B", "pb", [e("b")], ["pc"]), version("C", "pc", [e("c")])];

  test("one entry per entitlement per identity, by the shortest path; identities with no change are not listed", () => {
    const m0 = members("A", "pa", ["ann"]);
    const mC0 = members("C", "pc", ["cid"]);
    // ann also gets C directly: she already had c (through A → B → C), so nothing changes for her
    const mC1 = members("C", "pc", ["cid", "ann"]);
    const digest = { steps: [...base.map(same), same(m0), update(mC0, mC1)] } as PreviewDigest;
    const { report } = analyse(sidesOf(digest));
    expect(report.identities).toEqual([]);
    // but a new identity on A gets every entitlement once, each by its shortest path
    const mA = members("A", "pa", ["ann", "bea"]);
    const r2 = analyse(sidesOf({ steps: [...base.map(same), update(m0, mA)] } as PreviewDigest)).report;
    expect(r2.identities).toEqual([
      {
        identity: "bea",
        gains: [
          { ...e("a"), via: ["A"], member: through("A-m") },
          { ...e("b"), via: ["A", "B"], member: through("A-m") },
          { ...e("c"), via: ["A", "B", "C"], member: through("A-m") },
        ],
        losses: [],
      },
    ]);
  });

  test("a non-exclusive membership never removes identities it did not grant (managedIdentityIds); an exclusive one does", () => {
    const old = members("C", "pc", ["ann", "zed"], { managedIdentityIds: ["ann"], exclusive: true });
    const shrunk = (exclusive: boolean) => members("C", "pc", [], { managedIdentityIds: [], exclusive });
    const losers = (n: S) =>
      analyse(sidesOf({ steps: [...base.map(same), update(old, n)] } as PreviewDigest)).report.identities.map((i) => i.identity);
    expect(losers(shrunk(false))).toEqual(["ann"]);
    expect(losers(shrunk(true))).toEqual(["ann", "zed"]);
    const deleted = analyse(
      sidesOf({
        steps: [...base.map(same), { op: "delete", urn: old.urn, oldState: { ...old, outputs: { ...old.outputs, exclusive: false } } }],
      } as PreviewDigest),
    );
    expect(deleted.report.identities.map((i) => i.identity)).toEqual(["ann"]);
  });

  test("members Veza lists on a version (its `members` output) hold it too, unless a membership of the stack removes them", () => {
    // C's version lists ann and cid as members (access requests); no membership of the stack grants ann
    const vC = version("C", "pc", [e("c")], [], {
      outputs: { accessProfileId: "pc", versionNumber: 1, entities: [e("c")], inheritFrom: [], members: ["ann", "cid"] },
    });
    const vC2 = version("C", "pc", [e("c"), e("c2")]);
    const mC = members("C", "pc", ["cid"]);
    const steps = (m: object) => [same(A), same(B), same(C), same(base[3]!), same(base[4]!), update(vC, vC2), m];
    const r1 = analyse(sidesOf({ steps: steps(same(mC)) } as PreviewDigest)).report;
    expect(r1.identities.map((i) => [i.identity, i.gains.map((g) => g.entityId)])).toEqual([
      ["ann", ["c2"]],
      ["cid", ["c2"]],
    ]);
    // the membership drops cid (it granted cid): cid loses c and does not gain c2; ann keeps C
    const r2 = analyse(sidesOf({ steps: steps(update(mC, members("C", "pc", []))) } as PreviewDigest)).report;
    expect(r2.identities.map((i) => [i.identity, i.gains.map((g) => g.entityId), i.losses.map((g) => g.entityId)])).toEqual([
      ["ann", ["c2"], []],
      ["cid", [], ["c"]],
    ]);
  });

  test("a deleted AccessProfileVersion clears what the profile grants (the profile stays)", () => {
    const m = members("B", "pb", ["bo"]);
    const steps = [
      same(A),
      same(B),
      same(C),
      same(base[3]!),
      { op: "delete", urn: base[4]!.urn, oldState: base[4]! },
      same(base[5]!),
      same(m),
    ];
    const { report } = analyse(sidesOf({ steps } as PreviewDigest));
    expect(report.identities).toEqual([
      {
        identity: "bo",
        gains: [],
        losses: [
          { ...e("b"), via: ["B"], member: through("B-m") },
          { ...e("c"), via: ["B", "C"], member: through("B-m") },
        ],
      },
    ]);
    expect(report.unresolved).toEqual([]);
  });

  test("a replace (with --show-replacement-steps' halves too) is one change of the URN: create, then the old one's delete at the end", () => {
    const m = members("C", "pc", ["ann"]);
    const m2 = { ...members("C", "pc", ["ann", "bo"]), id: undefined };
    const steps = [
      ...base.map(same),
      { op: "replace", urn: m.urn, oldState: m, newState: m2 },
      { op: "create-replacement", urn: m.urn, newState: m2 },
      { op: "delete-replaced", urn: m.urn, oldState: m },
    ];
    // one member list for version 1 of C: the new membership ADDs ann and bo, then the old one's
    // delete (after the program) REMOVEs what it granted, ann included
    const { report } = analyse(sidesOf({ steps } as PreviewDigest));
    expect(report.identities.map((i) => [i.identity, i.gains.length, i.losses.length])).toEqual([
      ["ann", 0, 1],
      ["bo", 1, 0],
    ]);
  });

  test("unknown values: resolved through propertyDependencies when they settle it, else unresolved with the URN", () => {
    const N = { ...profile("N", "x"), id: undefined };
    const vN = { ...version("N", U, [e("n")]), id: undefined, propertyDependencies: { accessProfileId: [N.urn] } };
    const vA = base[3]!;
    const vA2 = { ...version("A", "pa", [e("a")], ["pb", U]), propertyDependencies: { inheritFrom: [B.urn, N.urn] } };
    const m = members("A", "pa", ["ann"]);
    const steps = [
      same(A),
      same(B),
      same(C),
      { op: "create", urn: N.urn, newState: N },
      { op: "create", urn: vN.urn, newState: vN },
      update(vA, vA2),
      same(base[4]!),
      same(base[5]!),
      same(m),
    ];
    const { report } = analyse(sidesOf({ steps } as PreviewDigest));
    expect(report.identities).toEqual([{ identity: "ann", gains: [{ ...e("n"), via: ["A", "N"], member: through("A-m") }], losses: [] }]);
    expect(report.unresolved).toEqual([]);
    // the same unknown with no dependency that says which profile it is: not guessed
    const vA3 = { ...vA2, propertyDependencies: { inheritFrom: [B.urn] } };
    const r2 = analyse(sidesOf({ steps: steps.map((s) => (s.urn === vA.urn ? update(vA, vA3) : s)) } as PreviewDigest)).report;
    expect(r2.identities).toEqual([]);
    expect(r2.unresolved).toEqual([
      {
        urn: vA.urn,
        reason: expect.stringContaining(
          "inheritFrom has 1 value(s) unknown in the preview and propertyDependencies.inheritFrom names 0 other AccessProfile(s)",
        ),
      },
    ]);
  });

  test("a value one side cannot read is never a loss: an unknown entity id, a profile id no dependency names", () => {
    const m = members("C", "pc", ["ann"]);
    const vC = base[5]!;
    const unknownEntity = update(vC, version("C", "pc", [e("c2"), { ...e("x"), entityId: U }]));
    const r1 = analyse(sidesOf({ steps: [...base.slice(0, 5).map(same), unknownEntity, same(m)] } as PreviewDigest)).report;
    expect(r1.identities).toEqual([{ identity: "ann", gains: [{ ...e("c2"), via: ["C"], member: through("C-m") }], losses: [] }]);
    expect(r1.unresolved).toEqual([{ urn: vC.urn, reason: "entities[1].entityId is unknown in the preview (new state)" }]);
    const lostProfile = update(m, {
      ...members("C", "pc", ["ann", "bo"]),
      inputs: { accessProfileId: U, identityIds: ["ann", "bo"] },
      outputs: { accessProfileId: U, identityIds: ["ann", "bo"] },
    });
    const r2 = analyse(sidesOf({ steps: [...base.map(same), lostProfile] } as PreviewDigest)).report;
    expect(r2.identities).toEqual([]); // ann is not said to lose C, nor bo to gain anything
    expect(r2.unresolved).toEqual([
      {
        urn: m.urn,
        reason: "accessProfileId is unknown in the preview and its propertyDependencies name 0 AccessProfiles, not one (new state)",
      },
    ]);
  });

  test("a stack export's secrets are [secret] (unresolved) unless exported with --show-secrets", async () => {
    const sig = "4dabf18193072939515e22adb298388d";
    const secret = { [sig]: "1b47061264138c4ac30d75fd1eb44270", ciphertext: "AAAA" };
    const plain = { [sig]: "1b47061264138c4ac30d75fd1eb44270", plaintext: JSON.stringify(["ann"]) };
    const stateDoc = (ids: unknown) => JSON.stringify({ version: 3, deployment: { resources: [...base, members("A", "pa", ids)] } });
    const preview = JSON.stringify({ steps: [update(base[5]!, version("C", "pc", [e("c"), e("c2")]))] });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "veza-impact-"));
    try {
      fs.writeFileSync(path.join(dir, "p.json"), preview);
      fs.writeFileSync(path.join(dir, "enc.json"), stateDoc(secret));
      fs.writeFileSync(path.join(dir, "plain.json"), stateDoc(plain));
      const enc = JSON.parse((await run([path.join(dir, "p.json"), "--state", path.join(dir, "enc.json"), "--format", "json"])).out);
      expect(enc.identities).toEqual([]);
      // a resource the preview does not show is unchanged: in the old state and the new
      expect(enc.unresolved).toEqual(
        ["new", "old"].map((side) => ({
          urn: urn("ProfileMembership", "A-m"),
          reason: expect.stringMatching(new RegExp(`^identityIds is a secret \\(\\[secret\\]\\) \\(${side} state\\)`)),
        })),
      );
      const shown = JSON.parse((await run([path.join(dir, "p.json"), "--state", path.join(dir, "plain.json"), "--format", "json"])).out);
      expect(shown.identities).toEqual([
        { identity: "ann", gains: [{ ...e("c2"), via: ["A", "B", "C"], member: through("A-m") }], losses: [] },
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the --show-sames warning: only when a stack that existed is shown without its unchanged resources", () => {
    const m = members("A", "pa", ["ann"]);
    const created = base.map((x) => ({ op: "create", urn: x.urn, newState: x }));
    expect(analyse(sidesOf({ steps: [...created, { op: "create", urn: m.urn, newState: m }] } as PreviewDigest)).warnings).toEqual([]);
    const edited = analyse(sidesOf({ steps: [update(base[3]!, version("A", "pa", [e("a"), e("a2")], ["pb"]))] } as PreviewDigest));
    expect(edited.warnings).toEqual([expect.stringContaining("the preview has no `same` steps: run `pulumi preview --json --show-sames`")]);
  });

  test("the --show-sames warning when the changeSummary counts more same steps than are shown (one shown for a protect change)", () => {
    const stack = { op: "same", urn: "urn:pulumi:dev::acme::pulumi:pulumi:Stack::acme-dev" };
    // without --show-sames the CLI still shows a same step whose `protect` changed, and the root stack
    const shown = [
      stack,
      { ...same(base[0]!), newState: { ...base[0]!, protect: true } },
      update(base[3]!, version("A", "pa", [e("a"), e("a2")], ["pb"])),
    ];
    const cut = analyse(sidesOf({ steps: shown, changeSummary: { same: 6, update: 1 } } as PreviewDigest));
    expect(cut.warnings).toEqual([
      expect.stringMatching(/^the preview counts 4 more `same` steps than it shows: run `pulumi preview --json --show-sames`/),
    ]);
    // every same step shown (--show-sames): no warning
    const all = [stack, ...base.filter((_, i) => i !== 3).map(same), shown[2]!];
    expect(analyse(sidesOf({ steps: all, changeSummary: { same: base.length, update: 1 } } as PreviewDigest)).warnings).toEqual([]);
    // a stack export fills in what the preview leaves out: no warning either
    expect(analyse(sidesOf({ steps: shown, changeSummary: { same: 6, update: 1 } } as PreviewDigest, base)).warnings).toEqual([]);
  });

  test("a membership list turned secret: its holders' changes through that profile are not counted, either way", () => {
    const mC = members("C", "pc", ["cy"], { outputs: { accessProfileId: "pc", versionNumber: 1, identityIds: ["cy"] } });
    const vC = { ...base[5]!, outputs: { ...base[5]!.outputs, members: ["cy"] } };
    // C gains an entity while the list of who holds C becomes unreadable
    const steps = [
      ...base.slice(0, 5).map(same),
      update(vC, version("C", "pc", [e("c"), e("c2")])),
      update(mC, members("C", "pc", "[secret]")),
    ];
    const { report } = analyse(sidesOf({ steps } as PreviewDigest));
    expect(report.identities).toEqual([]);
    expect(report.unresolved.map((u) => u.urn)).toEqual([mC.urn]);
  });

  test("a membership list secret before and plain now: who it lists now is not said to gain what they may have held already", () => {
    // Veza lists cy on C; the old state's list of the membership is unreadable, the new one adds eve
    const vC = version("C", "pc", [e("c")], [], {
      outputs: { accessProfileId: "pc", versionNumber: 1, entities: [e("c")], inheritFrom: [], members: ["cy"] },
    });
    const secretBefore = members("C", "pc", "[secret]");
    const plainNow = members("C", "pc", ["cy", "eve"]);
    const changes = (versionStep: object) =>
      analyse(sidesOf({ steps: [same(base[2]!), versionStep, update(secretBefore, plainNow)] } as PreviewDigest)).report;
    // eve may have been on the list the old state hid: holding C is not a gain for her
    const r1 = changes(same(vC));
    expect(r1.identities).toEqual([]);
    expect(r1.unresolved.map((u) => u.urn)).toEqual([secretBefore.urn]);
    // an entitlement C gains now is a gain for everyone the list holds after, eve included
    const r2 = changes(update(vC, version("C", "pc", [e("c"), e("c2")])));
    expect(r2.identities.map((i) => [i.identity, i.gains.map((g) => g.entityId), i.losses.map((g) => g.entityId)])).toEqual([
      ["cy", ["c2"], []],
      ["eve", ["c2"], []],
    ]);
  });

  test("a preview that reported an error is said to be possibly incomplete", () => {
    const digest = {
      steps: base.map(same),
      diagnostics: [
        { message: "check failed", severity: "error" },
        { message: "fyi", severity: "info" },
      ],
    };
    expect(analyse(sidesOf(parsePreview(JSON.stringify(digest), "p.json"))).warnings).toEqual([
      "the preview reported 1 error(s) (see its diagnostics): it stops at the first failure, so these steps may not be the whole change",
    ]);
  });

  test("a profile held whose grants the input does not hold is unresolved, not an empty grant", () => {
    const m = members("X", "px", ["ann"]);
    const { report } = analyse(sidesOf({ steps: [{ op: "create", urn: m.urn, newState: m }, ...base.map(same)] } as PreviewDigest));
    expect(report.identities).toEqual([]);
    expect(report.unresolved).toEqual([
      {
        urn: m.urn,
        reason: expect.stringContaining('what profile "px" grants is not known (new state): the input has no AccessProfileVersion for it'),
      },
    ]);
  });
});

describe("the formats", () => {
  const many = Array.from({ length: 8 }, (_, i) => `user${i}@acme.com`);
  const A = profile("A | pipes", "pa");
  const v = version("A | pipes", "pa", [e("a")]);
  const old = members("A", "pa", []);
  const neu = members("A", "pa", many);
  const impact = analyse(sidesOf(parsePreview(JSON.stringify({ steps: [same(A), same(v), update(old, neu)] }), "p.json")));

  test("markdown: summary line, a table per identity (collapsed past the threshold), escaped cells", () => {
    const md = render(impact, "markdown");
    expect(md).toContain("**8 identities gain access, 0 identities lose access; 0 profiles change what they grant; 0 values unresolved**");
    expect(md.match(/<details><summary>user\d@acme\.com: \+1 −0<\/summary>/g)).toHaveLength(8);
    expect(md).toContain("| + | OktaGroup `a` | `okta` | A \\| pipes | membership A-m |\n");
  });

  test("markdown stays under GitHub's comment limit: the last sections are left out and it says so; json has everything", () => {
    const crowd = Array.from({ length: 2000 }, (_, i) => `someone-with-a-long-name-${i}@acme.com`);
    const big = analyse(sidesOf({ steps: [same(A), same(v), update(old, members("A", "pa", crowd))] } as PreviewDigest));
    const md = render(big, "markdown");
    expect(md.length).toBeLessThanOrEqual(65_536);
    expect(md).toContain("**2000 identities gain access");
    expect(md).toMatch(
      /_\d+ more sections left out: a pull-request comment holds at most 65,536 characters\. `pulumi-veza impact --format json` lists everything\._/,
    );
    expect(JSON.parse(render(big, "json")).identities).toHaveLength(2000);
  });

  test("markdown stays under the limit with 1,000 unresolved values too: the list is cut and says how many more", () => {
    // 1,000 memberships whose identityIds turned secret: each is unresolved on both sides
    const ms = Array.from({ length: 1000 }, (_, i) => members(`a-membership-with-a-long-name-${i}`, "pa", ["ann"]));
    const steps = [
      same(A),
      same(v),
      ...ms.map((m) =>
        update(m, { ...m, inputs: { ...m.inputs, identityIds: "[secret]" }, outputs: { ...m.outputs, identityIds: "[secret]" } }),
      ),
    ];
    const big = analyse(sidesOf({ steps } as PreviewDigest));
    expect(big.report.unresolved.length).toBeGreaterThanOrEqual(1000);
    const md = render(big, "markdown");
    expect(md.length).toBeLessThanOrEqual(65_536);
    expect(md).toContain(`<details><summary>Unresolved (${big.report.unresolved.length}): not counted above</summary>`);
    const listed = md.split("\n").filter((l) => l.startsWith("- `urn:pulumi:")).length;
    expect(listed).toBeGreaterThan(10);
    expect(listed).toBeLessThan(big.report.unresolved.length);
    expect(md).toContain(
      `_${big.report.unresolved.length - listed} more unresolved values left out: a pull-request comment holds at most 65,536 characters. \`pulumi-veza impact --format json\` lists everything._`,
    );
    expect(md.trimEnd().endsWith("<sub>`pulumi-veza impact` from `pulumi preview --json --show-sames`</sub>")).toBe(true);
    expect(JSON.parse(render(big, "json")).unresolved).toHaveLength(big.report.unresolved.length);
  });

  test("markdown starts with the hidden marker CI finds its comment by; an identity in a heading is plain text", () => {
    const odd = "<img src=x> *b* `c` #1|2";
    const one = analyse(sidesOf({ steps: [same(A), same(v), update(old, members("A", "pa", [odd]))] } as PreviewDigest));
    const md = render(one, "markdown");
    expect(md.split("\n")[0]).toBe("<!-- pulumi-veza-impact -->");
    expect(md).toContain("#### \\<img src=x\\> \\*b\\* \\`c\\` \\#1\\|2: +1 −0\n"); // tests/impact/escaping.test.ts parses it
  });

  test("json: exactly the documented keys", () => {
    const doc = JSON.parse(render(impact, "json"));
    expect(Object.keys(doc)).toEqual(["identities", "profiles", "unresolved"]);
    expect(Object.keys(doc.identities[0])).toEqual(["identity", "gains", "losses"]);
    expect(Object.keys(doc.identities[0].gains[0])).toEqual(["entityType", "datasourceId", "entityId", "via", "member"]);
    expect(Object.keys(doc.identities[0].gains[0].member)).toEqual(["memberships", "grantedInVeza", "unreadable"]);
  });

  test("the markdown of a profile change has a Mermaid graph with the added edge and entitlement marked", () => {
    const B = profile("B", "pb");
    const vB = version("B", "pb", [e("b")]);
    const vA2 = version("A | pipes", "pa", [e("a"), e("a2")], ["pb"]);
    const i2 = analyse(sidesOf({ steps: [same(A), same(B), same(vB), update(v, vA2), same(neu)] } as PreviewDigest));
    const md = render(i2, "markdown");
    expect(md).toMatch(/```mermaid\nflowchart LR\n/);
    expect(md).toMatch(/p0\["A #124; pipes"\]/);
    expect(md).toMatch(/p0 ==>\|added\| p1/);
    expect(md).toMatch(/e0\[\/"\+ OktaGroup a2"\/\]:::gain/);
  });

  test("gates: --fail-on-gain exits 1 naming why; unresolved values trip a gate too", async () => {
    const io = () => {
      const o = { out: "", err: "" };
      return {
        o,
        io: {
          stdout: { write: (s: string) => ((o.out += s), true) },
          stderr: { write: (s: string) => ((o.err += s), true) },
          stdin: process.stdin,
        },
      };
    };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "veza-impact-"));
    try {
      const f = path.join(dir, "p.json");
      fs.writeFileSync(f, JSON.stringify({ steps: [same(A), same(v), update(old, members("A", "pa", "[secret]"))] }));
      const a = io();
      expect(await impactMain([f, "--fail-on-loss"], a.io as never)).toBe(1);
      expect(a.o.err).toContain("--fail-on-loss: 1 value(s) unresolved, a change cannot be ruled out");
      const b = io();
      expect(await impactMain([f], b.io as never)).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("output that cannot be written exits 3 with the reason on stderr, never 1 (a tripped gate); tests/impact/gate.test.ts runs the bin", async () => {
    const err = { s: "" };
    const broken = {
      write: () => {
        throw new Error("output closed");
      },
    };
    const io = { stdout: broken, stderr: { write: (s: string) => ((err.s += s), true) }, stdin: Readable.from(['{"steps":[]}']) };
    expect(await impactMain(["-", "--fail-on-gain"], io as never)).toBe(3);
    expect(err.s).toBe("pulumi-veza impact: the output cannot be written (output closed)\n");
  });
});
