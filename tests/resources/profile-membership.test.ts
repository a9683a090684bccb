/** What is special to ProfileMembership: ADD/REMOVE of only the difference, exclusive membership, what a non-exclusive one may remove. The lifecycle every resource shares: tests/conformance. */
import * as veza from "../../provider";
import { HAS_ASSUMED_ROUTES, rig, type Rig, IN_PROCESS } from "./helpers";
import { program } from "./fixtures";

let r: Rig;
afterEach(async () => {
  await r?.close();
});

test("membership changes send one ADD and one REMOVE", async () => {
  r = await rig({}, IN_PROCESS);
  const e = r.engine();
  await e.up(program());
  r.emu.resetStats();
  const s = await e.up(program({ members: ["u2", "u3"] }));
  expect(s.updates).toBe(1);
  const bodies = r.mutations().map((m) => [m.route, (m.body as any).type, (m.body as any).identity_ids]);
  expect(bodies).toEqual([
    ["PUT access_profiles/{id}/versions/{version}/members", "ADD", ["u3"]],
    ["PUT access_profiles/{id}/versions/{version}/members", "REMOVE", ["u1"]],
  ]);
});

test("exclusive membership: refresh reports foreign identities as drift and the next up removes them", async () => {
  r = await rig({}, IN_PROCESS);
  const e = r.engine();
  const program = (exclusive: boolean) => () => {
    const t = new veza.AccessProfileType("t", { name: "Profile", allowCreateRelationships: true });
    const p = new veza.AccessProfile("p", { name: "P", profileType: t.id });
    new veza.ProfileMembership("m", { accessProfileId: p.id, identityIds: ["u1", "u2"], exclusive });
  };
  await e.up(program(false));
  const p = r.emu.store.findProfileByName("P")!;
  r.emu.store.changeMembers(p.id, 1, { type: "ADD", identity_ids: ["intruder"] });
  // non-exclusive: others are left alone
  expect((await e.refresh()).resources.m.op).toBe("same");
  expect((await e.up(program(false))).updates).toBe(0);
  // exclusive: the intruder is removed
  r.emu.resetStats();
  const s = await e.up(program(true));
  expect(s.updates).toBe(1);
  expect(
    r.emu.store
      .listMembers(p.id, 1)
      .map((m) => m.identity_id)
      .sort(),
  ).toEqual(["u1", "u2"]);
  r.emu.store.changeMembers(p.id, 1, { type: "ADD", identity_ids: ["late"] });
  expect((await e.refresh()).resources.m.op).toBe("refresh-update");
  const fixed = await e.up(program(true));
  expect(fixed.updates).toBe(1);
  expect(
    r.emu.store
      .listMembers(p.id, 1)
      .map((m) => m.identity_id)
      .sort(),
  ).toEqual(["u1", "u2"]);
  // destroy of an exclusive membership removes everyone the server lists
  r.emu.store.changeMembers(p.id, 1, { type: "ADD", identity_ids: ["very-late"] });
  expect((await e.destroy()).errors).toEqual([]);
  if (HAS_ASSUMED_ROUTES) expect(r.emu.store.findProfile(p.id)).toBeUndefined();
  else expect(r.emu.store.listMembers(p.id, 1)).toEqual([]); // the profile is retired, nobody holds it
}, 180_000); // seven operations; slow on a loaded machine

test("leaving exclusive after a refresh that saw foreign members leaves them alone; a non-exclusive removal removes only its own", async () => {
  r = await rig({}, IN_PROCESS);
  const e = r.engine();
  const program =
    (exclusive: boolean, identityIds = ["u1"]) =>
    () => {
      const t = new veza.AccessProfileType("t", { name: "Profile", allowCreateRelationships: true });
      const p = new veza.AccessProfile("p", { name: "P", profileType: t.id });
      new veza.ProfileMembership("m", { accessProfileId: p.id, identityIds, exclusive });
    };
  await e.up(program(true));
  const p = r.emu.store.findProfileByName("P")!;
  const members = () =>
    r.emu.store
      .listMembers(p.id, 1)
      .map((m) => m.identity_id)
      .sort();
  r.emu.store.changeMembers(p.id, 1, { type: "ADD", identity_ids: ["foreign"] });
  await e.refresh(); // exclusive: the foreign member is reported
  r.emu.resetStats();
  const s = await e.up(program(false));
  expect(s.errors).toEqual([]);
  expect(members()).toEqual(["foreign", "u1"]);
  expect(r.mutations()).toEqual([]);
  // removing u1 from a non-exclusive list removes only u1
  await e.up(program(false, []));
  expect(members()).toEqual(["foreign"]);
});

test("an exclusive membership whose REMOVE fails at create is recorded with the others still there, and the next up removes them", async () => {
  r = await rig({}, IN_PROCESS);
  const e = r.engine();
  const base = () => {
    const t = new veza.AccessProfileType("t", { name: "Profile", allowCreateRelationships: true });
    return new veza.AccessProfile("p", { name: "P", profileType: t.id });
  };
  await e.up(() => {
    base();
  });
  const p = r.emu.store.findProfileByName("P")!;
  r.emu.store.changeMembers(p.id, 1, { type: "ADD", identity_ids: ["foreign"] });
  const withMembership = () => {
    const profile = base();
    new veza.ProfileMembership("m", { accessProfileId: profile.id, identityIds: ["u1"], exclusive: true });
  };
  // the membership's create: a page of the profile list (its current version), the members call
  // (fresh before a write), ADD, then REMOVE: refused
  const reads = 2;
  r.emu.setKnobs({ invalidTokenAfterRequests: r.emu.stats().total + reads + 1 });
  const failed = await e.up(withMembership);
  expect(failed.errors.map((x) => x.name)).toEqual(["m"]);
  const entry = e.state().resources.find((x) => x.name === "m")!;
  expect(entry.id).toBe(`${p.id}/versions/1/members`);
  expect(entry.outputs.identityIds).toEqual(["foreign", "u1"]);
  r.emu.setKnobs({ invalidTokenAfterRequests: 0 });
  const fixed = await e.up(withMembership);
  expect(fixed.errors).toEqual([]);
  expect(r.emu.store.listMembers(p.id, 1).map((m) => m.identity_id)).toEqual(["u1"]);
});
