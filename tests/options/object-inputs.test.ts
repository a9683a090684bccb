/**
 * Object inputs (`catalogItemInfo`, `nameTransformer`, `applicationSyncIdentityAction`) are compared
 * and written by the sub-fields the program sets: a tenant that fills defaults inside them (emulator
 * knob `objectDefaults`) causes no perpetual diff, and a change of one sub-field keeps Veza's others.
 * Runs in every routes mode (jest.config.js).
 */
import * as veza from "../../provider";
import { HAS_ASSUMED_ROUTES, rig, type Rig, IN_PROCESS } from "../resources/helpers";

let r: Rig;
beforeEach(async () => {
  r = await rig({ knobs: { objectDefaults: true } }, IN_PROCESS);
});
afterEach(async () => {
  await r.close();
});

const ent = (id: string): veza.Entity => ({ entityType: "SalesforceGroup", datasourceId: "sf-1", entityId: id });

function program(o: { title?: string; formatter?: string } = {}) {
  return () => {
    const t = new veza.AccessProfileType("t", {
      name: "Profile",
      allowCreateRelationships: true,
      nameTransformer: { destinationAttribute: "name", destinationValueFormatter: o.formatter ?? "{name}" },
    });
    const p = new veza.AccessProfile("p", { name: "Sales", profileType: t.id, catalogItemInfo: { name: o.title ?? "Sales access" } });
    new veza.AccessProfileVersion("v", {
      accessProfileId: p.id,
      entities: [ent("g1")],
      applicationSyncIdentityAction: { policyId: "policy-1", name: "create-user" },
    });
  };
}

test("defaults Veza fills inside object inputs are no change: the second up and a preview send nothing", async () => {
  const e = r.engine();
  expect((await e.up(program())).errors).toEqual([]);
  const p = r.emu.store.listProfiles()[0];
  // the tenant completed the objects: more than was sent
  expect(p.catalog_item_info).toEqual({ name: "Sales access", recommended: false });
  expect(r.emu.store.listTypes()[0].name_transformer).toMatchObject({
    continuous_sync: false,
    unique_identifier: false,
    additional_value_formatter: [],
  });

  r.emu.resetStats();
  const preview = await e.preview(program());
  const up = await e.up(program());
  for (const s of [preview, up]) expect(s.updates + s.creates + s.replaces).toBe(0);
  // and after a refresh (the inputs then hold Veza's whole objects)
  await e.refresh();
  r.emu.resetStats();
  const again = await e.up(program());
  expect(again.updates + again.creates + again.replaces).toBe(0);
  expect(r.mutations()).toEqual([]);
});

test("changing one sub-field sends the object with Veza's other sub-fields, so they stay", async () => {
  const e = r.engine();
  await e.up(program());
  const p = r.emu.store.listProfiles()[0];
  r.emu.store.updateProfile(p.id, { catalog_item_info: { name: "Sales access", recommended: true, icon: "star" } }, ["catalog_item_info"]);
  await e.refresh();
  r.emu.resetStats();
  const s = await e.up(program({ title: "Sales (new)" }));
  expect(s.errors).toEqual([]);
  expect(s.resources.p.op).toBe("update");
  expect(r.mutations().map((m) => m.route)).toEqual(["PATCH access_profiles/{id}"]);
  expect(r.emu.store.listProfiles()[0].catalog_item_info).toEqual({ name: "Sales (new)", recommended: true, icon: "star" });
});

(HAS_ASSUMED_ROUTES ? test : test.skip)("a type's nameTransformer: one sub-field changed, one PATCH, the others kept", async () => {
  const e = r.engine();
  await e.up(program());
  r.emu.resetStats();
  const s = await e.up(program({ formatter: "{name}-{id}" }));
  expect(s.errors).toEqual([]);
  expect(s.resources.t.op).toBe("update");
  expect(r.mutations().map((m) => m.route)).toEqual(["PATCH access_profiles_types/{id}"]);
  expect(r.emu.store.listTypes()[0].name_transformer).toEqual({
    destination_attribute: "name",
    destination_value_formatter: "{name}-{id}",
    continuous_sync: false,
    unique_identifier: false,
    additional_value_formatter: [],
  });
});
