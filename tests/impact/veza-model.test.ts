/**
 * The model follows Veza (issue 28): one member list per version, shared by every membership of it
 * and by members granted in Veza; a replaced profile is a new object; what publishing a version does
 * to its members is not documented, so it is unresolved; --tenant reads what the preview cannot see.
 * Hand-written digests, and an emulator for --tenant.
 */
import { startEmulator, type Emulator } from "../../emulator";
import { Readable } from "node:stream";
import { MAX_SENTENCE_CHARS, mdValue } from "../../provider/impact/literal";
import { analyse, impactMain, render, sidesOf, type PreviewDigest } from "../../provider/impact";
import { NOT_SEEN_NOTICE } from "../../provider/impact/model";
import { readTenantView } from "../../provider/impact/tenant";
import { del, e, same, state, through, update, type Props } from "./digest-fixtures";

const profile = (name: string, id: string, more: Props = {}) =>
  state("AccessProfile", name, id, { name, currentVersionNumber: 1, profileType: "t1", ...more });
const version = (name: string, pid: string, entities: Props[], inheritFrom: string[] = [], more: Props = {}) =>
  state("AccessProfileVersion", `${name}-v`, `${pid}/versions/1`, {
    accessProfileId: pid,
    versionNumber: 1,
    entities,
    inheritFrom,
    ...more,
  });
const members = (res: string, pid: string, identityIds: unknown, more: Props = {}) =>
  state("ProfileMembership", res, `${pid}/versions/1/members`, {
    accessProfileId: pid,
    versionNumber: 1,
    identityIds,
    managedIdentityIds: identityIds,
    exclusive: false,
    ...more,
  });
const IN_VEZA = { memberships: [], grantedInVeza: true, unreadable: [] };
const who = (r: ReturnType<typeof analyse>) =>
  r.report.identities.map((i) => [i.identity, i.gains.map((g) => g.entityId), i.losses.map((g) => g.entityId)]);

const A = profile("A", "pa");
const B = profile("B", "pb");
const vA = version("A", "pa", [e("a")]);
const vB = version("B", "pb", [e("b")], ["pa"]);
const base = [A, B, vA, vB];

test("two memberships of one version both list bob; deleting one (or dropping bob from it) takes bob out of the one list", () => {
  const m1 = members("A-m1", "pa", ["bob", "ann"]);
  const m2 = members("A-m2", "pa", ["bob"]);
  const deleted = analyse(sidesOf({ steps: [...base.map(same), same(m1), del(m2)] } as PreviewDigest));
  expect(who(deleted)).toEqual([["bob", [], ["a"]]]);
  const dropped = analyse(sidesOf({ steps: [...base.map(same), same(m1), update(m2, members("A-m2", "pa", []))] } as PreviewDigest));
  expect(who(dropped)).toEqual([["bob", [], ["a"]]]);
  // one adds bob while the other removes him, with no order between them: not known, and said so
  const m3 = members("A-m3", "pa", []);
  const racing = analyse(
    sidesOf({
      steps: [...base.map(same), update(m3, members("A-m3", "pa", ["bob"])), update(m2, members("A-m2", "pa", []))],
    } as PreviewDigest),
  );
  expect(who(racing)).toEqual([]);
  expect(racing.report.unresolved).toEqual([
    {
      urn: expect.stringMatching(/::A-m[23]$/),
      reason: expect.stringContaining('add and remove "bob" on the same version in one update, in no fixed order'),
    },
  ]);
});

test("a replaced profile (profileType changes) starts with no members but those its memberships grant; the replace is listed with its window", () => {
  // (B keeps inheriting A here only to show that the warning says what Veza does about it)
  // Veza lists ann (an access request) and bob (the stack's membership) on A's version; B inherits A
  const vAm = { ...vA, outputs: { ...vA.outputs, members: ["ann", "bob"] } };
  const m = members("A-m", "pa", ["bob"]);
  const A2 = { ...profile("A", "x", { profileType: "t2" }), id: undefined };
  const U = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
  const vA2 = { ...version("A", U, [e("a")]), id: undefined, propertyDependencies: { accessProfileId: [A.urn] } };
  const m2 = { ...members("A-m", U, ["bob"]), id: undefined, propertyDependencies: { accessProfileId: [A.urn] } };
  const vB2 = { ...version("B", "pb", [e("b")], [U]), propertyDependencies: { inheritFrom: [A.urn] } };
  const steps = [
    { op: "replace", urn: A.urn, oldState: A, newState: A2 },
    { op: "replace", urn: vA.urn, oldState: vAm, newState: vA2 },
    { op: "replace", urn: m.urn, oldState: m, newState: m2 },
    update(vB, vB2),
    same(B),
  ];
  const impact = analyse(sidesOf({ steps } as PreviewDigest));
  expect(who(impact)).toEqual([["ann", [], ["a"]]]);
  expect(impact.replacements).toEqual([{ urn: A.urn, profile: "A", dropped: ["ann"], regranted: ["bob"], inheritedBy: ["B"] }]);
  expect(impact.warnings).toEqual([
    expect.stringMatching(
      /^profile "A" is replaced: the old one is deleted before the new one is created .*, so every holder is without it from that delete until the new profile's version and memberships are written; 1 holder\(s\) do not get it back \(ann\); 1 holder\(s\) get it back from the stack's memberships \(bob\); "B" inherits from it: Veza does not delete a profile others inherit from, so the replace fails at that delete unless the inheritance is removed first$/,
    ),
  ]);
  const md = render(impact, "markdown");
  expect(md).toContain('> **Warning:** profile "A" is replaced');
  expect(md).toContain("| − | OktaGroup `a` | `okta` | A |");
});

test("an exclusive membership turned non-exclusive and moved to another profile: the identity added by hand loses the old one and gains nothing", () => {
  // exclusive: its identityIds is every member of A's version (zed was added by hand: drift), it granted bob
  const old = members("m", "pa", ["bob", "zed"], { managedIdentityIds: ["bob"], exclusive: true });
  const moved = { ...members("m", "pb", ["bob"], { exclusive: false }), id: undefined };
  const impact = analyse(
    sidesOf({ steps: [...base.map(same), { op: "replace", urn: old.urn, oldState: old, newState: moved }] } as PreviewDigest),
  );
  // the replacement's delete (exclusive) removes every member of A's version; the create adds bob to B
  expect(who(impact)).toEqual([
    ["bob", ["b"], []],
    ["zed", [], ["a"]],
  ]);
  // turned non-exclusive in place: it removes only what it granted and keeps zed
  const inPlace = analyse(
    sidesOf({
      steps: [...base.map(same), update(old, members("m", "pa", [], { managedIdentityIds: [], exclusive: false }))],
    } as PreviewDigest),
  );
  expect(who(inPlace)).toEqual([["bob", [], ["a"]]]);
});

test("publishing a new version: what happens to the old version's members is not in Veza's API reference, so it is unresolved", () => {
  const vAm = { ...vA, outputs: { ...vA.outputs, members: ["ann"] } };
  const v2 = state("AccessProfileVersion", "A-v2", undefined, {
    accessProfileId: "pa",
    versionNumber: 2,
    entities: [e("a"), e("a2")],
    inheritFrom: [],
    state: "PUBLISHED",
  });
  const impact = analyse(
    sidesOf({ steps: [...[A, B, vB].map(same), same(vAm), { op: "create", urn: v2.urn, newState: v2 }] } as PreviewDigest),
  );
  expect(who(impact)).toEqual([]);
  expect(impact.report.unresolved).toEqual([
    {
      urn: v2.urn,
      reason:
        'version 2 of "A" is published: Veza\'s API reference does not say what publishing does to the 1 member(s) of version 1 (kept on version 1, moved to version 2, or removed), so their changes through "A" are not counted',
    },
  ]);
  expect(render(impact, "markdown")).toContain("Veza's API reference does not say what publishing does");
});

test("holders granted in Veza are marked apart from holders the stack's memberships grant, in every format; one who is both", () => {
  // Veza lists ann (an access request) and bob on A's version, bob through the stack's A-m; ann also
  // holds B through the stack's B-m. The edit: A grants a2 and B grants b2.
  const vAm = { ...vA, outputs: { ...vA.outputs, members: ["ann", "bob"] } };
  const mA = members("A-m", "pa", ["bob"]);
  const mB = { ...members("B-m", "pb", ["ann"]), id: "pb/versions/1/members" };
  const steps = [
    same(A),
    same(B),
    update(vAm, version("A", "pa", [e("a"), e("a2")])),
    update(vB, version("B", "pb", [e("b"), e("b2")], ["pa"])),
    same(mA),
    same(mB),
  ];
  const impact = analyse(sidesOf({ steps } as PreviewDigest));
  expect(impact.report.identities).toEqual([
    {
      identity: "ann",
      gains: [
        { ...e("a2"), via: ["A"], member: IN_VEZA },
        { ...e("b2"), via: ["B"], member: through("B-m") },
      ],
      losses: [],
    },
    { identity: "bob", gains: [{ ...e("a2"), via: ["A"], member: through("A-m") }], losses: [] },
  ]);
  // a loss is marked by how the identity held the profile before: the membership drops bob
  const dropped = analyse(
    sidesOf({ steps: [same(A), same(B), same(vAm), same(vB), update(mA, members("A-m", "pa", [])), same(mB)] } as PreviewDigest),
  );
  expect(dropped.report.identities).toEqual([{ identity: "bob", gains: [], losses: [{ ...e("a"), via: ["A"], member: through("A-m") }] }]);
  // two memberships list one identity on one version: both are named
  const twice = analyse(
    sidesOf({
      steps: [
        same(A),
        same(B),
        update(vA, version("A", "pa", [e("a"), e("a2")])),
        same(vB),
        same(mA),
        same(members("A-m2", "pa", ["bob"])),
      ],
    } as PreviewDigest),
  );
  expect(twice.report.identities[0]!.gains[0]!.member).toEqual(through("A-m", "A-m2"));

  // a membership of the version whose list is a secret may list them: neither it nor Veza is ruled out
  const secret = analyse(
    sidesOf({
      steps: [same(A), same(B), update(vAm, version("A", "pa", [e("a"), e("a2")])), same(vB), same(members("A-m", "pa", "[secret]"))],
    } as PreviewDigest),
  );
  expect(secret.report.identities.map((i) => [i.identity, i.gains.map((g) => g.member)])).toEqual([
    ["ann", [{ memberships: [], grantedInVeza: false, unreadable: ["A-m"] }]],
    ["bob", [{ memberships: [], grantedInVeza: false, unreadable: ["A-m"] }]],
  ]);
  expect(render(secret, "markdown")).toContain(
    "| + | OktaGroup `a2` | `okta` | A | perhaps membership A-m (unreadable) or granted in Veza |\n",
  );

  const json = JSON.parse(render(impact, "json"));
  expect(json.identities[0].gains.map((g: { member: unknown }) => g.member)).toEqual([IN_VEZA, through("B-m")]);
  const md = render(impact, "markdown");
  expect(md).toContain("| | entitlement | datasource | via | member through |\n");
  expect(md).toContain("| + | OktaGroup `a2` | `okta` | A | granted in Veza |\n");
  expect(md).toContain("| + | OktaGroup `b2` | `okta` | B | membership B-m |\n");
  const text = render(impact, "text");
  expect(text).toContain(
    "    + OktaGroup a2 (okta) via A; member through granted in Veza\n    + OktaGroup b2 (okta) via B; member through membership B-m\n",
  );
});

test("without --tenant every format says what it cannot see; the JSON's keys stay the documented ones", () => {
  const impact = analyse(sidesOf({ steps: base.map(same) } as PreviewDigest));
  expect(impact.notices).toEqual([NOT_SEEN_NOTICE]);
  expect(NOT_SEEN_NOTICE).toContain("pulumi preview --refresh");
  expect(render(impact, "markdown")).toContain(`> **Not seen:** ${mdValue(NOT_SEEN_NOTICE, MAX_SENTENCE_CHARS)}`);
  expect(render(impact, "text")).toContain(`not seen: ${NOT_SEEN_NOTICE}`);
  expect(Object.keys(JSON.parse(render(impact, "json")))).toEqual(["identities", "profiles", "unresolved"]);
});

describe("--tenant: Veza today", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ token: "tenant-test-token" });
  });
  afterAll(() => emu.close());

  test("members added in Veza since the last refresh, and profiles outside the stack that inherit from it, are seen", async () => {
    const s = emu.store;
    const type = s.createType({ name: "Role", allow_inherit_entities: true, allow_create_relationships: true });
    const a = s.createProfile({
      name: "A",
      state: "RUNNING",
      profile_type: type.id,
      entities_to_create_relationships_to: [e("a")].map((x) => ({
        entity_type: x.entityType,
        datasource_id: x.datasourceId,
        entity_id: x.entityId,
      })),
    }).profile;
    const outside = s.createProfile({
      name: "Contractor",
      state: "RUNNING",
      profile_type: type.id,
      inherit_entities_from_access_profiles: [a.id],
    }).profile;
    s.changeMembers(a.id, 1, { type: "ADD", identity_ids: ["bob", "cy"] }); // bob by the stack, cy by hand since the last refresh
    s.changeMembers(outside.id, 1, { type: "ADD", identity_ids: ["olga"] });
    const A1 = profile("A", a.id);
    const vA1 = version("A", a.id, [e("a")]);
    const m = members("A-m", a.id, ["bob"]);
    // the edit: A grants a2 too, and the membership now lists cy (who already holds A in Veza)
    const steps = [same(A1), update(vA1, version("A", a.id, [e("a"), e("a2")])), update(m, members("A-m", a.id, ["bob", "cy"]))];
    const tenant = await readTenantView({ connection: { url: emu.url, token: emu.token } });
    const live = analyse(sidesOf({ steps } as PreviewDigest), { tenant });
    expect(live.notices).toEqual([]);
    expect(live.report.identities).toEqual([
      { identity: "bob", gains: [{ ...e("a2"), via: ["A"], member: through("A-m") }], losses: [] },
      // cy was granted in Veza; after the change the stack's membership lists her (its delete would remove her)
      { identity: "cy", gains: [{ ...e("a2"), via: ["A"], member: through("A-m") }], losses: [] },
      { identity: "olga", gains: [{ ...e("a2"), via: ["Contractor (outside the stack)", "A"], member: IN_VEZA }], losses: [] },
    ]);
    expect(render(live, "text")).toContain(
      "  olga\n    + OktaGroup a2 (okta) via Contractor (outside the stack) → A; member through granted in Veza\n",
    );
    // from the state alone: cy is said to gain a too (she had it), olga is not seen
    const stale = analyse(sidesOf({ steps } as PreviewDigest));
    expect(who(stale)).toEqual([
      ["bob", ["a2"], []],
      ["cy", ["a", "a2"], []],
    ]);
  });

  test("the command: --tenant reads VEZA_URL and VEZA_API_TOKEN; without them exit 2, the preview checked first", async () => {
    const run = async (argv: string[], stdin: string) => {
      const o = { code: 0, out: "", err: "" };
      const sink = (k: "out" | "err") => ({ write: (x: string) => ((o[k] += x), true) });
      o.code = await impactMain(argv, { stdout: sink("out"), stderr: sink("err"), stdin: Readable.from([stdin]) } as never);
      return o;
    };
    const saved = { ...process.env };
    try {
      for (const k of ["VEZA_URL", "VEZA_API_TOKEN", "VEZA_TOKEN"]) delete process.env[k];
      const preview = JSON.stringify({ steps: base.map(same) });
      expect(await run(["-", "--tenant"], '{"foo":')).toMatchObject({ code: 2, err: expect.stringMatching(/standard input: not JSON/) });
      expect(await run(["-", "--tenant"], preview)).toMatchObject({
        code: 2,
        err: expect.stringMatching(/^pulumi-veza impact: --tenant: set VEZA_URL/),
      });
      Object.assign(process.env, { VEZA_URL: emu.url, VEZA_API_TOKEN: emu.token });
      const ok = await run(["-", "--tenant", "--format", "text"], preview);
      expect(ok.code).toBe(0);
      expect(ok.out).not.toContain("not seen:");
      expect(ok.out + ok.err).not.toContain(emu.token);
    } finally {
      process.env = saved;
    }
  });

  test("no connection settings: exit-2 message names the variables, and no token is printed", async () => {
    const saved = { ...process.env };
    for (const k of ["VEZA_URL", "VEZA_API_TOKEN", "VEZA_TOKEN"]) delete process.env[k];
    try {
      await expect(readTenantView()).rejects.toThrow(
        /--tenant: set VEZA_URL .* and VEZA_API_TOKEN or VEZA_TOKEN .* in the environment to read the tenant/,
      );
      await expect(readTenantView({ connection: { url: emu.url, token: "wrong-token-123" } })).rejects.toThrow(
        /^--tenant: the list of access profiles could not be read/,
      );
      await expect(readTenantView({ connection: { url: emu.url, token: "wrong-token-123" } })).rejects.not.toThrow(/wrong-token-123/);
    } finally {
      process.env = saved;
    }
  });
});

test("a version resource moved to another profile: the old profile's version is cleared (the replace's delete), the new one written", () => {
  const U = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
  const mA = members("A-m", "pa", ["ann"]);
  const N = { ...profile("N", "x"), id: undefined };
  const moved = { ...version("A", U, [e("a")]), id: undefined, propertyDependencies: { accessProfileId: [N.urn] } };
  const mN = { ...members("N-m", U, ["bob"]), id: undefined, propertyDependencies: { accessProfileId: [N.urn] } };
  const steps = [
    same(A),
    same(B),
    same(vB),
    same(mA),
    { op: "create", urn: N.urn, newState: N },
    { op: "replace", urn: vA.urn, oldState: vA, newState: moved },
    { op: "create", urn: mN.urn, newState: mN },
  ];
  expect(who(analyse(sidesOf({ steps } as PreviewDigest)))).toEqual([
    ["ann", [], ["a"]],
    ["bob", ["a"], []],
  ]);
});
