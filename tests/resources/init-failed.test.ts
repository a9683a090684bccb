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

test("adopting a type whose PATCH fails records the adopted id (init-failed); the next up updates it", async () => {
  r.emu.store.createType({ name: "Profile", description: "old" });
  const existingId = r.emu.store.findTypeByName("Profile")!.id;
  const program = () => {
    new veza.AccessProfileType("t", { name: "Profile", description: "new", adoptExisting: true });
  };
  const e = r.engine();
  // the look-up (1 request) is answered, the PATCH that follows gets 401
  r.emu.setKnobs({ invalidTokenAfterRequests: 1 });
  const first = await e.up(program);
  expect(first.errors).toHaveLength(1);
  expect(first.errors[0].message).toMatch(/invalid or expired/);
  const entry = e.state().resources.find((x) => x.name === "t")!;
  expect(entry.id).toBe(existingId);
  expect(entry.initErrors?.length).toBeGreaterThan(0);

  r.emu.setKnobs({ invalidTokenAfterRequests: 0 });
  r.emu.resetStats();
  const second = await e.up(program);
  expect(second.errors).toEqual([]);
  expect(second.resources["t"].op).toBe("update");
  expect(r.mutations().map((m) => [m.route, m.query.update_mask])).toEqual([["PATCH access_profiles_types/{id}", "description"]]);
  expect(r.emu.store.listTypes()).toHaveLength(1);
  expect(r.emu.store.findTypeByName("Profile")!.description).toBe("new");
});

test("without adoptExisting, an existing name fails with a message that mentions adoptExisting", async () => {
  r.emu.store.createType({ name: "Profile" });
  const s = await r.engine().up(() => {
    new veza.AccessProfileType("t", { name: "Profile" });
  });
  expect(s.errors[0].message).toMatch(/already exists.*adoptExisting: true/);
  expect(r.emu.store.listTypes()).toHaveLength(1);
});
