/**
 * What the real Pulumi CLI does that a kinder engine would hide (the engine models it, see
 * harness/README.md): a preview of an update hands back only the new inputs, so outputs such
 * as `currentVersionNumber` are unknown there; `Class.get(name, id)` reads with nothing but the
 * serialized provider in the props.
 */
import * as veza from "../../provider";
import { rig, type Rig } from "../resources/helpers";

let r: Rig;
beforeEach(async () => {
  r = await rig();
});
afterEach(() => r.close());

type Wiring = "no versionNumber" | "versionNumber wired from currentVersionNumber";

function program(labels: string[], wiring: Wiring) {
  return () => {
    const type = new veza.AccessProfileType("type", { name: "Profile", allowCreateRelationships: true });
    const p = new veza.AccessProfile("p", { name: "Salesforce Base", profileType: type.id, labels });
    const versionNumber = wiring === "no versionNumber" ? undefined : p.currentVersionNumber;
    new veza.AccessProfileVersion("p-v", {
      accessProfileId: p.id,
      versionNumber,
      entities: [{ entityType: "SalesforceGroup", datasourceId: "sf-1", entityId: "g1" }],
    });
    new veza.ProfileMembership("p-m", { accessProfileId: p.id, versionNumber, identityIds: ["alice"] });
  };
}

test.each<Wiring>(["no versionNumber", "versionNumber wired from currentVersionNumber"])(
  "a preview of a profile label change plans 1 update and 0 replaces (%s)",
  async (wiring) => {
    const e = r.engine();
    expect((await e.up(program(["a"], wiring))).errors).toEqual([]);
    r.emu.resetStats();
    const preview = await e.preview(program(["a", "b"], wiring));
    expect(preview.errors).toEqual([]);
    expect(preview).toMatchObject({ creates: 0, updates: 1, replaces: 0, deletes: 0 });
    expect(preview.resources.p.op).toBe("update");
    expect(r.emu.stats().total).toBe(0);
    // and the up does exactly that: one PATCH of the labels
    const up = await e.up(program(["a", "b"], wiring));
    expect(up).toMatchObject({ creates: 0, updates: 1, replaces: 0, deletes: 0, errors: [] });
    expect(r.mutations().map((m) => `${m.route} ${m.query.update_mask}`)).toEqual(["PATCH access_profiles/{id} labels"]);
  },
);

test("get reads an existing object of every class; its outputs come from Veza", async () => {
  const type = r.emu.store.createType({ name: "Existing type", description: "made in Veza" });
  const { profile } = r.emu.store.createProfile({ name: "Existing profile", profile_type: type.id, labels: ["x"] });
  r.emu.store.changeMembers(profile.id, 1, { type: "ADD", identity_ids: ["carol"] });
  const e = r.engine();
  const s = await e.up(() => {
    const t = veza.AccessProfileType.get("t", type.id);
    const p = veza.AccessProfile.get("p", profile.id);
    const v = veza.AccessProfileVersion.get("v", `${profile.id}/versions/1`);
    const m = veza.ProfileMembership.get("m", `${profile.id}/versions/1/members`);
    return { typeDescription: t.description, profileLabels: p.labels, versionNumber: v.versionNumber, members: m.identityIds };
  });
  expect(s.errors).toEqual([]);
  expect(s.outputs).toMatchObject({ typeDescription: "made in Veza", profileLabels: ["x"], versionNumber: 1, members: ["carol"] });
  expect(r.mutations()).toEqual([]);
});

test("get of a missing id fails naming it", async () => {
  const e = r.engine();
  const s = await e.up(() => {
    veza.AccessProfile.get("p", "00000000-0000-0000-0000-00000000dead");
  });
  expect(s.errors.map((x) => x.message).join("\n")).toMatch(/AccessProfile 00000000-0000-0000-0000-00000000dead does not exist in Veza/);
});

test("get(name, id, state, opts), as in Pulumi's generated packages: Veza's values win over the state, and every input is an output get reads", async () => {
  const type = r.emu.store.createType({ name: "Existing type", instructions: "ask IT", time_before_sync_check_in_seconds: 60 });
  const { profile } = r.emu.store.createProfile({
    name: "Existing profile",
    profile_type: type.id,
    description: "made in Veza",
    require_approval_to_start: true,
    custom_properties: { team: "sales" },
    access_request_policy_id: "policy-1",
  });
  const e = r.engine();
  const s = await e.up(() => {
    const t = veza.AccessProfileType.get("t", type.id, undefined, {});
    const p = veza.AccessProfile.get("p", profile.id, { description: "assumed by the program" }, { dependsOn: [t] });
    return {
      instructions: t.instructions,
      sync: t.timeBeforeSyncCheckInSeconds,
      description: p.description,
      approval: p.requireApprovalToStart,
      custom: p.customProperties,
      policy: p.accessRequestPolicyId,
    };
  });
  expect(s.errors).toEqual([]);
  expect(s.outputs).toEqual({
    instructions: "ask IT",
    sync: 60,
    description: "made in Veza",
    approval: true,
    custom: { team: "sales" },
    policy: "policy-1",
  });
  expect(r.mutations()).toEqual([]);
});

test("get with a state of a missing id still fails naming it (the state does not make it a refresh)", async () => {
  const e = r.engine();
  const s = await e.up(() => {
    veza.AccessProfile.get("p", "00000000-0000-0000-0000-00000000dead", { name: "Ghost", labels: ["x"] });
  });
  expect(s.errors.map((x) => x.message).join("\n")).toMatch(/AccessProfile 00000000-0000-0000-0000-00000000dead does not exist in Veza/);
});
