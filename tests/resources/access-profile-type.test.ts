/** What is special to AccessProfileType: names taken in Veza, types a tenant cannot delete. The lifecycle every resource shares: tests/conformance. */
import * as veza from "../../provider";
import { rig, tenant, type Rig, IN_PROCESS } from "./helpers";

let r: Rig;
afterEach(async () => {
  await r?.close();
});

test("without adoptExisting, an existing name fails with a message that mentions adoptExisting", async () => {
  r = await rig({}, IN_PROCESS);
  r.emu.store.createType({ name: "Profile" });
  const s = await r.engine().up(() => {
    new veza.AccessProfileType("t", { name: "Profile" });
  });
  expect(s.errors[0].message).toMatch(/already exists.*adoptExisting: true/);
  expect(r.emu.store.listTypes()).toHaveLength(1);
});

test("a tenant that cannot delete types: destroy leaves the type in Veza with a warning; a new stack takes it over with adoptExisting", async () => {
  r = await rig({ knobs: { deleteSupport: { types: 405 } } }, IN_PROCESS);
  const program = (adoptExisting: boolean) => () => {
    new veza.AccessProfileType("t", { name: "Kept", description: "kept by Veza", adoptExisting });
  };
  const e = r.engine();
  expect((await e.up(program(false))).errors).toEqual([]);
  const d = await e.destroy();
  expect(d.errors).toEqual([]);
  expect(d.warnings.join("\n")).toMatch(
    /AccessProfileType "Kept": this Veza tenant does not support deleting profile types; it was left in Veza/,
  );
  expect(tenant(r.emu).types).toEqual(["Kept"]);
  // the name is still taken: without adoptExisting the create fails naming it, with it the type is taken over
  expect((await e.up(program(false))).errors[0].message).toMatch(/"Kept" already exists in Veza.*adoptExisting: true/);
  r.emu.resetStats();
  const adopted = await e.up(program(true));
  expect(adopted.errors).toEqual([]);
  expect(r.mutations()).toEqual([]);
  expect(tenant(r.emu).types).toEqual(["Kept"]);
});
