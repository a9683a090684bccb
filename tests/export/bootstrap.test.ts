/**
 * The tenant examples/bootstrap creates, exported with `pulumi-veza export`: the program is the one
 * in examples/exported/index.ts (compared in full, so a change to what export writes shows there
 * for review), and run as a new stack it takes the tenant over with no write, then has no changes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { VezaApi } from "../../provider/client/api";
import { VezaClient } from "../../provider/client/client";
import { exportTenant } from "../../provider/export";
import { loadCatalog } from "../../examples/bootstrap/catalog";
import { bootstrap } from "../../examples/bootstrap/program";
import { exampleRig, TOKEN, REPO, type ExampleRig } from "../examples/helpers";
import { runnable } from "./run-cli";

const EXPECTED = path.join(REPO, "examples", "exported", "index.ts");
const ACTUAL = path.join(__dirname, ".generated", "bootstrap-exported.ts");

let r: ExampleRig;
beforeAll(async () => {
  r = await exampleRig();
});
afterAll(async () => {
  await r.close();
});

test("the bootstrap tenant exports as examples/exported/index.ts, which adopts it with 0 writes and then has 0 changes", async () => {
  const catalog = loadCatalog(path.join(REPO, "examples", "bootstrap", "catalog.yaml"));
  const created = await r.engine().up(() => bootstrap(catalog));
  expect(created.errors).toEqual([]);

  const api = new VezaApi(new VezaClient({ url: r.emu.url, token: TOKEN }));
  const { program } = await exportTenant({ api, source: "https://acme.vezacloud.com", generatedAt: "2026-12-07T12:00:00.000Z" });
  fs.mkdirSync(path.dirname(ACTUAL), { recursive: true });
  fs.writeFileSync(ACTUAL, program);
  // on a wanted change: cp tests/export/.generated/bootstrap-exported.ts examples/exported/index.ts
  expect(program).toBe(fs.readFileSync(EXPECTED, "utf8"));

  // a new stack (its own state) running the exported program against the same tenant
  const adopting = r.engine({ stateFile: path.join(r.dir, "exported-state.json") });
  r.emu.resetStats();
  const before = r.emu.store.toJSON();
  const up = await adopting.up(runnable(program));
  expect(up.errors).toEqual([]);
  expect(up.creates).toBe(created.creates); // every object of the tenant, adopted
  expect(r.emu.requests().filter((x) => x.method !== "GET")).toEqual([]);
  expect(r.emu.store.toJSON()).toEqual(before);

  r.emu.resetStats();
  const again = await adopting.up(runnable(program));
  expect(again).toMatchObject({ creates: 0, updates: 0, replaces: 0, deletes: 0, errors: [] });
  expect(r.emu.stats().total).toBe(0);
  const refreshed = await adopting.refresh();
  expect(refreshed.errors).toEqual([]);
  expect(Object.values(refreshed.resources).filter((x) => x.op !== "same")).toEqual([]);
}, 180_000);
