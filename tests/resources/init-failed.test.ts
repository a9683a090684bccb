/** A create that fails after the server has the object records its id, so nothing is orphaned. */
import * as veza from "../../provider";
import { rig, type Rig } from "./helpers";

let r: Rig;
beforeEach(async () => {
  r = await rig();
});
afterEach(async () => {
  await r.close();
});

test("adopting a profile whose PATCH fails records the adopted id (init-failed); the next up updates it", async () => {
  const type = r.emu.store.createType({ name: "Profile" });
  const existingId = r.emu.store.createProfile({ name: "P", profile_type: type.id, description: "old" }).profile.id;
  const program = () => {
    const t = new veza.AccessProfileType("t", { name: "Profile", adoptExisting: true });
    new veza.AccessProfile("p", { name: "P", profileType: t.id, description: "new", adoptExisting: true });
  };
  const e = r.engine();
  // the two look-ups (a page of each list) are answered, the PATCH that follows gets 401
  r.emu.setKnobs({ invalidTokenAfterRequests: 2 });
  const first = await e.up(program);
  expect(first.errors).toHaveLength(1);
  expect(first.errors[0].message).toMatch(/invalid or expired/);
  const entry = e.state().resources.find((x) => x.name === "p")!;
  expect(entry.id).toBe(existingId);
  expect(entry.initErrors?.length).toBeGreaterThan(0);

  r.emu.setKnobs({ invalidTokenAfterRequests: 0 });
  r.emu.resetStats();
  const second = await e.up(program);
  expect(second.errors).toEqual([]);
  expect(second.resources["p"].op).toBe("update");
  expect(r.mutations().map((m) => [m.route, m.query.update_mask])).toEqual([["PATCH access_profiles/{id}", "description"]]);
  expect(r.emu.store.listProfiles()).toHaveLength(1);
  expect(r.emu.store.findProfileByName("P")!.description).toBe("new");
});

test("without adoptExisting, an existing name fails with a message that mentions adoptExisting", async () => {
  r.emu.store.createType({ name: "Profile" });
  const s = await r.engine().up(() => {
    new veza.AccessProfileType("t", { name: "Profile" });
  });
  expect(s.errors[0].message).toMatch(/already exists.*adoptExisting: true/);
  expect(r.emu.store.listTypes()).toHaveLength(1);
});
