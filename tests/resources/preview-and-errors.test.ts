/** Preview with unknowns, bad inputs, server-side rule violations, and secrets, through the real gRPC provider. */
import * as veza from "../../provider";
import { UNKNOWN } from "../../harness";
import { shellText } from "../../provider/resources/shared/shell";
import { rig, TOKEN, type Rig } from "./helpers";

let r: Rig;
beforeEach(async () => {
  r = await rig();
});
afterEach(async () => {
  await r.close();
});

const ent = (id: string, ds = "ad-1"): veza.Entity => ({ entityType: "ActiveDirectoryGroup", datasourceId: ds, entityId: id });

/** Resources `inheritingStack` declares. */
const INHERITING_STACK_RESOURCES = 9;

function inheritingStack() {
  const base = new veza.AccessProfileType("base-type", { name: "Profile", allowCreateRelationships: true });
  const roleT = new veza.AccessProfileType("role-type", {
    name: "Business Role",
    allowInheritEntities: true,
    allowInheritedFromTypes: [base.id],
  });
  const ad = new veza.AccessProfile("ad", { name: "AD Developers", profileType: base.id });
  const okta = new veza.AccessProfile("okta", { name: "Okta Engineering", profileType: base.id });
  new veza.AccessProfileVersion("ad-v", { accessProfileId: ad.id, versionNumber: ad.currentVersionNumber, entities: [ent("cn=dev")] });
  new veza.AccessProfileVersion("okta-v", {
    accessProfileId: okta.id,
    entities: [{ entityType: "OktaGroup", datasourceId: "okta-1", entityId: "00g1" }],
  });
  const role = new veza.AccessProfile("role", { name: "Engineer", profileType: roleT.id, labels: ["requestable"] });
  new veza.AccessProfileVersion("role-v", { accessProfileId: role.id, inheritFrom: [ad.id, okta.id] });
  new veza.ProfileMembership("role-m", { accessProfileId: role.id, identityIds: ["alice", "bob"], exclusive: true });
}

test("a fresh-stack preview where versions inherit from not-yet-created profiles plans every create and makes 0 requests", async () => {
  const e = r.engine();
  const s = await e.preview(inheritingStack);
  expect(s.errors).toEqual([]);
  expect(s.creates).toBe(INHERITING_STACK_RESOURCES);
  expect(s.grpc.Create ?? 0).toBe(0);
  expect(r.emu.stats().total).toBe(0);
  expect(Object.values(s.resources).filter((x) => x.op !== "create")).toEqual([]);
  expect(e.state().resources.filter((x) => x.type.includes("veza"))).toHaveLength(0);
  // and it really saw unknowns: the version's inputs carry the sentinel
  expect(s.stderr).not.toMatch(/TypeError|is not a function/);
});

test("preview of an existing stack with a new dependent of a new profile sees unknowns and completes", async () => {
  const e = r.engine();
  await e.up(inheritingStack);
  r.emu.resetStats();
  const s = await e.preview(() => {
    inheritingStack();
    const extra = new veza.AccessProfile("extra", { name: "Extra", profileType: "will-not-be-used-in-preview" });
    new veza.AccessProfileVersion("extra-v", { accessProfileId: extra.id, inheritFrom: [extra.id] });
  });
  expect(s.errors).toEqual([]);
  expect(s.creates).toBe(2);
  expect(s.sames).toBe(INHERITING_STACK_RESOURCES);
  expect(r.emu.stats().total).toBe(0);
  void UNKNOWN;
});

test("every bad input fails check, naming the field and what is allowed, with 0 requests", async () => {
  const e = r.engine();
  const s = await e.up(() => {
    new veza.AccessProfileType("t", { name: "T", onCreateBehavior: "SOMETIMES" as any, maxEntitlements: -2 });
    new veza.AccessProfile("p", { name: "P" } as any);
    new veza.AccessProfileVersion("v", {
      accessProfileId: "x",
      entities: [{ entityType: "SalesforceGroup", datasourceId: "sf" } as any],
      state: "LIVE" as any,
    });
    new veza.ProfileMembership("m", { accessProfileId: "x", identityIds: "alice" as any });
  });
  const byName = Object.fromEntries(s.errors.map((x) => [x.name, x.message]));
  expect(byName.t).toMatch(/onCreateBehavior must be one of INITIAL, RUNNING, PAUSED, DRY_RUN, PENDING/);
  expect(byName.t).toMatch(/maxEntitlements must be a whole number >= 0/);
  expect(byName.p).toMatch(/profileType is required/);
  expect(byName.v).toMatch(/entities\.0\.entityId is required/);
  expect(byName.v).toMatch(/state must be one of DRAFT, PUBLISHED/);
  expect(byName.m).toMatch(/identityIds must be a list of strings/);
  expect(s.creates).toBe(0);
  expect(r.emu.stats().total).toBe(0);
});

test("a misspelt input (as a JavaScript program can pass it) fails check naming the nearest input, with 0 requests", async () => {
  const e = r.engine();
  const s = await e.up(() => {
    new veza.AccessProfileType("t", { name: "T", descriptoin: "typo" } as veza.AccessProfileTypeArgs);
    new veza.ProfileMembership("m", { accessProfileId: "x", identityIds: ["alice"], exclusiv: true } as veza.ProfileMembershipArgs);
  });
  const byName = Object.fromEntries(s.errors.map((x) => [x.name, x.message]));
  expect(byName.t).toMatch(/AccessProfileType "T": descriptoin is not an input \(did you mean description\?\)/);
  // not silently a non-exclusive membership
  expect(byName.m).toMatch(/exclusiv is not an input \(did you mean exclusive\?\)/);
  expect(s.creates).toBe(0);
  expect(r.emu.requests().map((q) => q.route)).toEqual([]);
});

test("inheritance cycles and type-rule violations come back as clear errors naming the profile", async () => {
  // three independent failures: like `pulumi up --continue-on-error` (the CLI otherwise stops at the first)
  const e = r.engine({ continueOnError: true });
  const s = await e.up(() => {
    const base = new veza.AccessProfileType("base-type", {
      name: "Profile",
      allowCreateRelationships: true,
      maxEntitlements: 1,
      requireSingleDatasource: true,
    });
    const roleT = new veza.AccessProfileType("role-type", {
      name: "Business Role",
      allowInheritEntities: true,
      allowInheritedFromTypes: [base.id],
    });
    const a = new veza.AccessProfile("a", { name: "Role A", profileType: roleT.id });
    const b = new veza.AccessProfile("b", { name: "Role B", profileType: roleT.id });
    const p = new veza.AccessProfile("p", { name: "Plain", profileType: base.id });
    new veza.AccessProfileVersion("a-v", { accessProfileId: a.id, inheritFrom: [b.id] });
    // b -> a closes a cycle once a-v exists
    new veza.AccessProfileVersion("b-v", { accessProfileId: b.id, inheritFrom: [a.id] }, { dependsOn: [] });
    new veza.AccessProfileVersion("p-v", { accessProfileId: p.id, entities: [ent("g1"), ent("g2", "ad-2")] });
    new veza.AccessProfileVersion("p-inherit", { accessProfileId: p.id, versionNumber: 1, inheritFrom: [a.id] }, { dependsOn: [] });
  });
  const msgs = s.errors.map((x) => `${x.name}: ${x.message}`).join("\n");
  // role types may not inherit from role types; plain profiles may not inherit at all
  expect(msgs).toMatch(/a-v: .*"Role A"/);
  expect(msgs).toMatch(/p-v: .*"Plain"/);
  expect(msgs).toMatch(/p-inherit: .*"Plain".*inherit/i);
});

test("a cycle is reported with the profile names", async () => {
  const e = r.engine();
  const stack = (withCycle: boolean) => () => {
    const roleT = new veza.AccessProfileType("role-type", { name: "Business Role", allowInheritEntities: true });
    const a = new veza.AccessProfile("a", { name: "Role A", profileType: roleT.id });
    const b = new veza.AccessProfile("b", { name: "Role B", profileType: roleT.id });
    new veza.AccessProfileVersion("a-v", { accessProfileId: a.id, inheritFrom: [b.id] });
    if (withCycle) new veza.AccessProfileVersion("b-v", { accessProfileId: b.id, inheritFrom: [a.id] });
  };
  expect((await e.up(stack(false))).errors).toEqual([]);
  const s = await e.up(stack(true));
  expect(s.errors).toHaveLength(1);
  expect(s.errors[0].name).toBe("b-v");
  expect(s.errors[0].message).toMatch(/cycle/i);
  expect(s.errors[0].message).toMatch(/Role A/);
  expect(s.errors[0].message).toMatch(/Role B/);
});

test("the token appears nowhere in state, outputs, provider stderr or errors", async () => {
  const e = r.engine();
  const s1 = await e.up(inheritingStack);
  const s2 = await e.refresh();
  const bad = r.engine({ config: { "veza:apiToken": `${TOKEN}-expired` } });
  const s3 = await bad.up(() => {
    inheritingStack();
    new veza.AccessProfile("late", { name: "Late", profileType: "x" });
  });
  expect(s3.errors.map((x) => x.message).join("\n")).toMatch(/invalid or expired/);
  const everything = [e.stateText(), JSON.stringify([s1, s2, s3])].join("\n");
  expect(everything).not.toContain(TOKEN);
});

test("the serialized provider is a small shell that requires the package, with no config captured", async () => {
  const e = r.engine();
  await e.up(inheritingStack);
  for (const res of e.state().resources.filter((x) => x.type.includes("veza"))) {
    const p = String(res.inputs.__provider);
    // exactly our module text, under the type token `pulumi.dynamic.Resource` would give
    expect(res.type).toMatch(/^pulumi-nodejs:dynamic\/veza:[A-Za-z]+$/);
    expect(p).toBe(shellText(res.type.split(":").pop()!));
    expect(p.length).toBeLessThanOrEqual(2048);
    expect(p).toContain('require("pulumi-veza")');
    expect(p).not.toMatch(/__f\d|with\(/); // not the closure serializer's by-value rendering
    expect(p).not.toContain(r.emu.url);
  }
});
