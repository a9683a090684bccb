/**
 * Response wrappers are read strictly: a list, members or integrations answer without the array the
 * route returns is an error naming the route and the keys the body had, never an empty list (a
 * membership that silently reads as "no members" would be removed or re-added on the next up). The
 * emulator's `wrapperKeys` knob plays a tenant that wraps an answer in another key. What the guide
 * and proto3 JSON allow still reads: an empty list whose `values` is left out or null.
 */
import { startEmulator, type Emulator } from "../../emulator";
import { VezaApi } from "../../provider/client/api";
import { closeAllPools, VezaClient } from "../../provider/client/client";
import { wrappedArray } from "../../provider/client/normalize";
import { UnexpectedResponseError } from "../../provider/errors";

let emu: Emulator;
const TOKEN = "tok-wrappers-SECRET-41c2";

beforeEach(async () => {
  emu = await startEmulator({ token: TOKEN, seed: 11 });
});
afterEach(async () => {
  await closeAllPools();
  await emu.close();
});

const api = () => new VezaApi(new VezaClient({ url: emu.url, token: TOKEN, backoffBaseMs: 5 }));
const MEMBERS = "GET access_profiles/{id}/versions/{version}/members";

async function profileWithMembers(a: VezaApi): Promise<string> {
  const type = await a.createType({ name: "Profile", allow_create_relationships: true });
  const { profile } = await a.createProfile({ name: "Held", profile_type: type.id });
  await a.changeMembers(profile.id, 1, "ADD", ["alice", "bob"]);
  return profile.id;
}

test("the members call reads its `values`; the same members under another key are an error naming the route and the keys", async () => {
  const a = api();
  const id = await profileWithMembers(a);
  expect(((await a.listMembers(id, 1)) as { identity_id: string }[]).map((m) => m.identity_id).sort()).toEqual(["alice", "bob"]);

  emu.setKnobs({ wrapperKeys: { [MEMBERS]: "members" } });
  const failed = await a.listMembers(id, 1).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(failed).toBeInstanceOf(UnexpectedResponseError);
  const message = (failed as Error).message;
  expect(message).toContain(MEMBERS);
  expect(message).toContain('without the "values" array');
  expect(message).toContain("keys: members, next_page_token, has_more");
  expect(message).toContain("not read as an empty list");
  expect(a.missingRoutes.has("listMembers")).toBe(false); // a strange answer is not a missing route
});

test.each([
  ["GET access_profiles_types", (a: VezaApi) => a.findType("any-id")],
  [
    "GET access_profiles_types",
    async (a: VezaApi) => {
      for await (const _ of a.listTypes()) void _;
    },
  ],
  ["GET access_profiles", (a: VezaApi) => a.findProfileByName("Held")],
  [
    "GET access_profiles",
    async (a: VezaApi) => {
      for await (const _ of a.listProfiles()) void _;
    },
  ],
  ["GET access_profiles:available_integrations", (a: VezaApi) => a.availableIntegrations()],
])("%s under another key fails (never an empty list)", async (route, read) => {
  const a = api();
  await profileWithMembers(a);
  emu.setKnobs({ wrapperKeys: { [route]: "items" } });
  await expect(read(a)).rejects.toThrow(
    new RegExp(`${route.replace(/[{}()$.]/g, "\\$&")} answered without the "(values|integrations)" array .*keys: items`),
  );
});

test("a create answered without `value` is an error naming the route and the keys, not a crash on undefined", async () => {
  emu.setKnobs({ wrapperKeys: { "POST access_profiles_types": "type" } });
  await expect(api().createType({ name: "T" })).rejects.toThrow(
    /POST access_profiles_types answered without the "value" object this route returns \(keys: type\)/,
  );
});

test("an empty list reads as empty whether `values` is [], null or left out (proto3 JSON), also across an empty tenant", async () => {
  for (const emptyAs of ["empty", "null", "omit"] as const) {
    emu.setKnobs({ emptyAs });
    const a = api();
    const types = [];
    for await (const t of a.listTypes()) types.push(t);
    expect(types).toEqual([]);
    expect(await a.findProfile("nope")).toBeUndefined();
  }
  const route = "GET access_profiles";
  expect(wrappedArray(route, {}, "values", ["next_page_token", "has_more"])).toEqual([]);
  expect(wrappedArray(route, { values: null, has_more: false }, "values", ["next_page_token", "has_more"])).toEqual([]);
  expect(() => wrappedArray(route, [], "values")).toThrow(/a bare array instead of an object/);
  expect(() => wrappedArray(route, { values: "x" }, "values")).toThrow(/"values" is string/);
});
