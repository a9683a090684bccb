import * as http from "node:http";
import { type Api, BASE, mkProfile, mkType, sf, start } from "./helpers";

/** A request with its target sent exactly as given (fetch would normalise it): the status. */
function rawStatus(url: string, target: string, token: string): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: hostname, port, path: target, method: "GET", headers: { authorization: `Bearer ${token}` } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

let api: Api;
beforeEach(async () => {
  api = await start();
});
afterEach(async () => {
  await api.emu.close();
});

describe("auth and routing", () => {
  test("missing or wrong token is 401 with code 16; every response has x-request-id", async () => {
    for (const token of [null, "wrong"]) {
      const r = await api.call("GET", "access_profiles_types", undefined, { token });
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ code: 16, message: "invalid or expired token" });
      expect(r.headers.get("x-request-id")).toBeTruthy();
      expect(r.body.request_id).toBe(r.headers.get("x-request-id"));
    }
    const ok = await api.get("access_profiles_types");
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-request-id")).toBeTruthy();
  });

  test("header name and scheme are case-insensitive", async () => {
    const res = await fetch(`${api.emu.url}/api/private/lifecycle_management/access_profiles_types`, {
      headers: { AUTHORIZATION: `bearer ${api.emu.token}` },
    });
    expect(res.status).toBe(200);
  });

  test("unknown route is 404 'route not found', distinct from an unknown object", async () => {
    const r = await api.get("nope");
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ code: 5, message: "route not found" });
    const o = await api.get("access_profiles/00000000-0000-0000-0000-000000000000");
    expect(o.status).toBe(404);
    expect(o.body.message).toBe("access profile 00000000-0000-0000-0000-000000000000 not found");
  });

  test("available integrations (colon in the path, raw or encoded)", async () => {
    const r = await api.get("access_profiles:available_integrations");
    expect(r.status).toBe(200);
    expect(r.body.integrations).toEqual(["ACTIVE_DIRECTORY", "AWS", "AZURE", "GOOGLE", "OKTA", "SALESFORCE", "WORKDAY"]);
    expect((await api.get("access_profiles%3Aavailable_integrations")).status).toBe(200);
  });

  test("non-JSON body is 400", async () => {
    const r = await api.call("POST", "access_profiles_types", undefined, { raw: "{name: nope" });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe(3);
  });

  test("a malformed request path is a 4xx, never a 500: `//[` matches no route (404), an unparseable target is 400", async () => {
    expect({
      "//[": await rawStatus(api.emu.url, "//[", api.emu.token),
      [`${BASE}//[`]: await rawStatus(api.emu.url, `${BASE}//[`, api.emu.token),
      "http://[": await rawStatus(api.emu.url, "http://[", api.emu.token),
    }).toEqual({ "//[": 404, [`${BASE}//[`]: 404, "http://[": 400 });
  });

  test("a __proto__, constructor or toString key in a body is an unknown field (400 naming it), not a 500", async () => {
    for (const key of ["__proto__", "constructor", "toString"]) {
      const r = await api.call("POST", "access_profiles_types", undefined, { raw: `{"name": "T-${key}", "${key}": {"name": 1}}` });
      expect({ key, status: r.status, message: r.body.message }).toEqual({
        key,
        status: 400,
        message: `unknown field "${key}" in access profile type`,
      });
    }
    const typeId = await mkType(api, { name: "T" });
    const profileId = await mkProfile(api, { name: "P", profile_type: typeId });
    const r = await api.call("PATCH", `access_profiles/${profileId}?update_mask=__proto__`, undefined, {
      raw: `{"__proto__": {"name": 1}}`,
    });
    expect({ status: r.status }).toEqual({ status: 400 });
    expect(api.emu.store.listTypes().map((x) => x.name)).toEqual(["T"]);
  });
});

describe("access profile types", () => {
  test("create, 409 on the same name, get, list", async () => {
    const r = await api.post("access_profiles_types", { name: "Profile", allow_create_relationships: true, max_entitlements: "5" });
    expect(r.status).toBe(200);
    const t = r.body.value;
    expect(t).toMatchObject({
      name: "Profile",
      allow_create_relationships: true,
      allow_inherit_entities: false,
      allow_inherited_from_types: [],
      max_entitlements: 5,
      on_create_behavior: "INITIAL",
      profiles_count: 0,
      integrations: [],
      access_request_policy_id: null,
      name_transformer: null,
    });
    expect(t.id).toMatch(/^[0-9a-f-]{36}$/);
    const dup = await api.post("access_profiles_types", { name: "Profile" });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ code: 6, message: 'access profile type "Profile" already exists' });
    expect((await api.get(`access_profiles_types/${t.id}`)).body.value).toEqual(t);
    const list = await api.get("access_profiles_types");
    expect(list.body).toMatchObject({ values: [t], next_page_token: "", has_more: false });
    const unset = await api.post("access_profiles_types", { name: "Other" });
    expect(unset.body.value.max_entitlements).toBeNull();
  });

  test("name is required; unknown fields and bad enums are rejected", async () => {
    expect((await api.post("access_profiles_types", { description: "x" })).body.message).toMatch(/name/);
    const unknown = await api.post("access_profiles_types", { name: "A", allowInheritEntities: true });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toMatch(/allowInheritEntities/);
    const badEnum = await api.post("access_profiles_types", { name: "A", on_create_behavior: "SOMETIMES" });
    expect(badEnum.status).toBe(400);
    expect(badEnum.body.message).toMatch(/on_create_behavior.*INITIAL.*RUNNING/);
    const num = await api.post("access_profiles_types", { name: "A", on_create_behavior: 2 });
    expect(num.body.value.on_create_behavior).toBe("PAUSED");
  });

  test("allow_inherited_from_types must name existing types", async () => {
    const r = await api.post("access_profiles_types", { name: "Role", allow_inherited_from_types: ["missing-type"] });
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/missing-type/);
  });

  test("PATCH with update_mask changes only the masked fields", async () => {
    const id = await mkType(api, { name: "T", description: "old", instructions: "keep" });
    const before = (await api.get(`access_profiles_types/${id}`)).body.value;
    const r = await api.patch(`access_profiles_types/${id}?update_mask=description,max_entitlements`, {
      description: "new",
      instructions: "ignored",
      max_entitlements: 3,
    });
    expect(r.status).toBe(200);
    expect(r.body.value).toMatchObject({ description: "new", instructions: "keep", max_entitlements: 3, name: "T" });
    expect({ before: before.updated_at, after: r.body.value.updated_at, later: r.body.value.updated_at > before.updated_at }).toMatchObject(
      { later: true },
    );
    // masked field absent from the body is cleared
    const cleared = await api.patch(`access_profiles_types/${id}?update_mask=description`, {});
    expect(cleared.body.value.description).toBe("");
    // without a mask every field in the body
    const all = await api.patch(`access_profiles_types/${id}`, { instructions: "changed" });
    expect(all.body.value).toMatchObject({ instructions: "changed", max_entitlements: 3 });
    const ro = await api.patch(`access_profiles_types/${id}?update_mask=profiles_count`, {});
    expect(ro.status).toBe(400);
    expect(ro.body.message).toMatch(/profiles_count/);
    const other = await mkType(api, { name: "U" });
    expect((await api.patch(`access_profiles_types/${other}`, { name: "T" })).status).toBe(409);
  });

  test("DELETE with profiles is FAILED_PRECONDITION naming type and count; then ok", async () => {
    const id = await mkType(api, { name: "Busy" });
    const p = await mkProfile(api, { name: "P1", profile_type: id });
    await mkProfile(api, { name: "P2", profile_type: id });
    expect((await api.get(`access_profiles_types/${id}`)).body.value.profiles_count).toBe(2);
    const r = await api.del(`access_profiles_types/${id}`);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe(9);
    expect(r.body.message).toMatch(/"Busy".*2 access profiles/);
    expect((await api.del(`access_profiles/${p}`)).status).toBe(200);
    const ids = (await api.get("access_profiles")).body.values.map((x: { id: string }) => x.id);
    for (const x of ids) await api.del(`access_profiles/${x}`);
    const ok = await api.del(`access_profiles_types/${id}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({});
    expect((await api.get(`access_profiles_types/${id}`)).status).toBe(404);
  });

  test("deleteSupport knob simulates unsupported DELETE routes", async () => {
    const id = await mkType(api, { name: "T" });
    api.emu.setKnobs({ deleteSupport: { types: 405, profiles: 404 } });
    expect((await api.del(`access_profiles_types/${id}`)).status).toBe(405);
    const p = await mkProfile(api, { name: "P", profile_type: id });
    const r = await api.del(`access_profiles/${p}`);
    expect(r.status).toBe(404);
    expect(r.body.message).toBe("route not found");
    api.emu.setKnobs({ deleteSupport: { types: 501 } });
    expect((await api.del(`access_profiles_types/${id}`)).status).toBe(501);
    expect((await api.get(`access_profiles/${p}`)).status).toBe(200);
  });
});

describe("access profiles", () => {
  let profileType: string;
  beforeEach(async () => {
    profileType = await mkType(api, { name: "Profile", allow_create_relationships: true, on_create_behavior: "RUNNING" });
  });

  test("create returns the profile and version 1 (PUBLISHED); derived fields", async () => {
    const r = await api.post("access_profiles", {
      name: "SF Dev",
      profile_type: profileType,
      labels: ["requestable"],
      entities_to_create_relationships_to: [sf("g1"), { entity_type: "AwsIamRole", datasource_id: "aws-1", entity_id: "r1" }],
    });
    expect(r.status).toBe(200);
    const { value, version } = r.body;
    expect(value).toMatchObject({
      name: "SF Dev",
      state: "RUNNING", // from the type's on_create_behavior
      profile_type: profileType,
      current_version_number: 1,
      draft_version_number: 0,
      integrations: ["AWS", "SALESFORCE"],
      provider_ids: ["sf-ds-1", "aws-1"],
      labels: ["requestable"],
      access_profiles_inherited: [],
      inherits_from_other_profiles: false,
    });
    expect(value.current_version).toMatchObject({ access_profile_id: value.id, version_number: 1, state: "PUBLISHED" });
    expect(version).toMatchObject({ access_profile_id: value.id, version_number: 1, state: "PUBLISHED", members: [] });
    expect(version.entities_to_create_relationships_to).toHaveLength(2);
    const t = (await api.get(`access_profiles_types/${profileType}`)).body.value;
    expect(t).toMatchObject({ profiles_count: 1, integrations: ["AWS", "SALESFORCE"] });

    const dup = await api.post("access_profiles", { name: "SF Dev", profile_type: profileType });
    expect(dup.status).toBe(409);
    const badType = await api.post("access_profiles", { name: "X", profile_type: "no-such-type" });
    expect(badType.status).toBe(400);
    expect(badType.body.message).toMatch(/no-such-type/);
    const explicit = await api.post("access_profiles", { name: "Y", profile_type: profileType, state: 2 });
    expect(explicit.body.value.state).toBe("PAUSED");
  });

  test("GET by id, ?version=n, 404s", async () => {
    const id = await mkProfile(api, { name: "P", profile_type: profileType });
    const g = await api.get(`access_profiles/${id}`);
    expect(g.body.value.current_version.version_number).toBe(1);
    expect(g.body.version).toBeUndefined();
    const v = await api.get(`access_profiles/${id}?version=1`);
    expect(v.body.version).toMatchObject({ version_number: 1, state: "PUBLISHED" });
    expect((await api.get(`access_profiles/${id}?version=7`)).status).toBe(404);
    expect((await api.get(`access_profiles/nope`)).status).toBe(404);
  });

  test("PATCH profile: mask, uniqueness, non-updatable fields", async () => {
    const id = await mkProfile(api, { name: "P", profile_type: profileType, description: "d", labels: ["a"] });
    await mkProfile(api, { name: "Q", profile_type: profileType });
    const r = await api.patch(`access_profiles/${id}?update_mask=labels`, { labels: ["b", "c"], description: "ignored" });
    expect(r.status).toBe(200);
    expect(r.body.value).toMatchObject({ labels: ["b", "c"], description: "d" });
    expect((await api.patch(`access_profiles/${id}`, { name: "Q" })).status).toBe(409);
    const ro = await api.patch(`access_profiles/${id}`, { id: "x" });
    expect(ro.status).toBe(400);
    expect(ro.body.message).toMatch(/"id"/);
    const ver = await api.patch(`access_profiles/${id}?update_mask=entities_to_create_relationships_to`, {});
    expect(ver.status).toBe(400);
    expect(ver.body.message).toMatch(/entities_to_create_relationships_to.*version/);
    expect((await api.patch(`access_profiles/${id}`, { profile_type: "nope" })).status).toBe(400);
    const st = await api.patch(`access_profiles/${id}?update_mask=state`, { state: "DRY_RUN" });
    expect(st.body.value.state).toBe("DRY_RUN");
  });

  describe("type rules", () => {
    let roleType: string;
    let base: string;
    beforeEach(async () => {
      roleType = await mkType(api, { name: "Business Role", allow_inherit_entities: true });
      base = await mkProfile(api, { name: "Base", profile_type: profileType, entities_to_create_relationships_to: [sf("g1")] });
    });

    test("inheritance not allowed by the type", async () => {
      const r = await api.post("access_profiles", {
        name: "Dev Role",
        profile_type: profileType,
        inherit_entities_from_access_profiles: [base],
      });
      expect(r.status).toBe(400);
      expect(r.body.code).toBe(3);
      expect(r.body.message).toBe('access profile "Dev Role": profile type "Profile" does not allow inheriting entities');
    });

    test("entities not allowed by the type", async () => {
      const r = await api.post("access_profiles", {
        name: "Dev Role",
        profile_type: roleType,
        entities_to_create_relationships_to: [sf("g2")],
      });
      expect(r.status).toBe(400);
      expect(r.body.message).toMatch(/^access profile "Dev Role": profile type "Business Role" does not allow creating relationships/);
    });

    test("inherited profile must exist", async () => {
      const r = await api.post("access_profiles", {
        name: "Dev Role",
        profile_type: roleType,
        inherit_entities_from_access_profiles: ["ghost-id"],
      });
      expect(r.status).toBe(400);
      expect(r.body.message).toMatch(/"Dev Role".*ghost-id/);
    });

    test("allowed types", async () => {
      const strict = await mkType(api, { name: "Strict Role", allow_inherit_entities: true, allow_inherited_from_types: [roleType] });
      const r = await api.post("access_profiles", { name: "S", profile_type: strict, inherit_entities_from_access_profiles: [base] });
      expect(r.status).toBe(400);
      expect(r.body.message).toMatch(/"S".*"Strict Role" does not allow inheriting from access profile "Base" of type "Profile"/);
      const role = await mkProfile(api, { name: "R", profile_type: roleType, inherit_entities_from_access_profiles: [base] });
      expect(
        (await api.post("access_profiles", { name: "S2", profile_type: strict, inherit_entities_from_access_profiles: [role] })).status,
      ).toBe(200);
    });

    test("cycles are rejected with the path by name", async () => {
      const a = await mkProfile(api, { name: "A", profile_type: roleType });
      const b = await mkProfile(api, { name: "B", profile_type: roleType, inherit_entities_from_access_profiles: [a] });
      const c = await mkProfile(api, { name: "C", profile_type: roleType, inherit_entities_from_access_profiles: [b] });
      const r = await api.patch(`access_profiles/${a}/versions/1`, { inherit_entities_from_access_profiles: [c] });
      expect(r.status).toBe(400);
      expect(r.body.message).toBe('access profile "A": inheritance cycle "A" -> "C" -> "B" -> "A"');
      const self = await api.patch(`access_profiles/${a}/versions/1`, { inherit_entities_from_access_profiles: [a] });
      expect(self.body.message).toMatch(/cycle "A" -> "A"/);
    });

    test("max_entitlements", async () => {
      const small = await mkType(api, { name: "Small", allow_create_relationships: true, max_entitlements: 2 });
      const r = await api.post("access_profiles", {
        name: "Big",
        profile_type: small,
        entities_to_create_relationships_to: [sf("1"), sf("2"), sf("3")],
      });
      expect(r.status).toBe(400);
      expect(r.body.message).toMatch(/"Big".*3 entitlements exceed max_entitlements 2.*"Small"/);
    });

    test("require_single_datasource", async () => {
      const single = await mkType(api, { name: "Single", allow_create_relationships: true, require_single_datasource: true });
      const r = await api.post("access_profiles", {
        name: "Two",
        profile_type: single,
        entities_to_create_relationships_to: [sf("1", "ds-a"), sf("2", "ds-b")],
      });
      expect(r.status).toBe(400);
      expect(r.body.message).toMatch(/"Two".*"Single" requires a single datasource.*ds-a, ds-b/);
      expect(
        (
          await api.post("access_profiles", {
            name: "One",
            profile_type: single,
            entities_to_create_relationships_to: [sf("1", "ds-a"), sf("2", "ds-a")],
          })
        ).status,
      ).toBe(200);
    });

    test("entity fields are required", async () => {
      const r = await api.patch(`access_profiles/${base}/versions/1`, {
        entities_to_create_relationships_to: [sf("ok"), { entity_type: "SalesforceGroup", datasource_id: "ds" }],
      });
      expect(r.status).toBe(400);
      expect(r.body.message).toBe('access profile "Base": entity 1 is missing required field "entity_id"');
    });
  });

  test("drafts and publishing", async () => {
    const id = await mkProfile(api, { name: "P", profile_type: profileType, entities_to_create_relationships_to: [sf("g1")] });
    expect((await api.patch(`access_profiles/${id}/versions/3`, {})).status).toBe(404);
    const d = await api.patch(`access_profiles/${id}/versions/2`, { entities_to_create_relationships_to: [sf("g1"), sf("g2")] });
    expect(d.status).toBe(200);
    expect(d.body.value).toMatchObject({ version_number: 2, state: "DRAFT", published_at: null });
    let p = (await api.get(`access_profiles/${id}`)).body.value;
    expect(p).toMatchObject({ current_version_number: 1, draft_version_number: 2 });
    expect(p.current_version.entities_to_create_relationships_to).toHaveLength(1);
    const draft = await api.get(`access_profiles/${id}?version=2`);
    expect(draft.body.version.entities_to_create_relationships_to).toHaveLength(2);
    // second draft while one is open
    expect((await api.patch(`access_profiles/${id}/versions/3`, {})).status).toBe(400);
    const pub = await api.patch(`access_profiles/${id}/versions/2?update_mask=state`, { state: 1 });
    expect(pub.body.value.state).toBe("PUBLISHED");
    expect(pub.body.value.published_at).toBeTruthy();
    p = (await api.get(`access_profiles/${id}`)).body.value;
    expect(p).toMatchObject({ current_version_number: 2, draft_version_number: 0 });
    expect((await api.get(`access_profiles/${id}?version=1`)).body.version.state).toBe("RETIRED");
    expect((await api.patch(`access_profiles/${id}/versions/2`, { state: "DRAFT" })).status).toBe(400);
    const masked = await api.patch(`access_profiles/${id}/versions/2?update_mask=state,entities_to_create_relationships_to`, {
      entities_to_create_relationships_to: [sf("g3")],
    });
    expect(masked.body.value).toMatchObject({ state: "PUBLISHED", entities_to_create_relationships_to: [sf("g3")] });
    const retiredEdit = await api.patch(`access_profiles/${id}/versions/1`, { entities_to_create_relationships_to: [] });
    expect(retiredEdit.status).toBe(400);
    expect(retiredEdit.body.message).toMatch(/retired/);
    const bad = await api.patch(`access_profiles/${id}/versions/2`, { state: "LIVE" });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/state.*DRAFT.*PUBLISHED.*RETIRED/);
  });

  test("members: ADD idempotent, REMOVE no-op for non-members, per version, paged list", async () => {
    const id = await mkProfile(api, { name: "P", profile_type: profileType });
    api.emu.store.identities.set("u1", "Ursula One");
    const add = await api.put(`access_profiles/${id}/versions/1/members`, {
      access_profile_id: id,
      version_number: 1,
      type: "ADD",
      identity_ids: ["u1", "u2"],
    });
    expect(add.status).toBe(200);
    expect(add.body.access_request_id).toBeTruthy();
    expect(add.body.access_request_error_message).toBe("");
    await api.put(`access_profiles/${id}/versions/1/members`, { type: 1, identity_ids: ["u2", "u3"] });
    let list = await api.get(`access_profiles/${id}/versions/1/members`);
    expect(list.body.values.map((m: { identity_id: string }) => m.identity_id)).toEqual(["u1", "u2", "u3"]);
    expect(list.body.values[0]).toMatchObject({ identity_id: "u1", identity_name: "Ursula One", access_profile_id: id });
    expect(list.body.has_more).toBe(false);
    await api.put(`access_profiles/${id}/versions/1/members`, { type: "REMOVE", identity_ids: ["u2", "nobody"] });
    list = await api.get(`access_profiles/${id}/versions/1/members?page_size=1`);
    expect(list.body.values.map((m: { identity_id: string }) => m.identity_id)).toEqual(["u1"]);
    expect(list.body.has_more).toBe(true);
    const next = await api.get(
      `access_profiles/${id}/versions/1/members?page_size=1&page_token=${encodeURIComponent(list.body.next_page_token)}`,
    );
    expect(next.body.values.map((m: { identity_id: string }) => m.identity_id)).toEqual(["u3"]);
    expect((await api.get(`access_profiles/${id}?version=1`)).body.version.members).toEqual(["u1", "u3"]);
    // another version has its own members
    await api.patch(`access_profiles/${id}/versions/2`, {});
    expect((await api.get(`access_profiles/${id}/versions/2/members`)).body.values).toEqual([]);
    expect((await api.put(`access_profiles/${id}/versions/1/members`, { type: "SWAP", identity_ids: [] })).status).toBe(400);
    expect((await api.put(`access_profiles/${id}/versions/9/members`, { type: "ADD", identity_ids: ["x"] })).status).toBe(404);
  });

  test("DELETE is refused while another profile inherits from it; members go with the profile", async () => {
    const role = await mkType(api, { name: "Role", allow_inherit_entities: true });
    const base = await mkProfile(api, { name: "Base", profile_type: profileType });
    const heir = await mkProfile(api, { name: "Heir", profile_type: role, inherit_entities_from_access_profiles: [base] });
    expect((await api.get(`access_profiles/${base}`)).body.value).toMatchObject({
      access_profiles_inherited_by: [heir],
      inherited_by_other_profiles: true,
    });
    const r = await api.del(`access_profiles/${base}`);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe(9);
    expect(r.body.message).toMatch(/"Base" is inherited by "Heir"/);
    await api.patch(`access_profiles/${heir}/versions/1?update_mask=inherit_entities_from_access_profiles`, {});
    await api.put(`access_profiles/${base}/versions/1/members`, { type: "ADD", identity_ids: ["u1"] });
    expect((await api.del(`access_profiles/${base}`)).status).toBe(200);
    expect((await api.get(`access_profiles/${base}`)).status).toBe(404);
    expect((await api.get(`access_profiles/${base}/versions/1/members`)).status).toBe(404);
  });
});
