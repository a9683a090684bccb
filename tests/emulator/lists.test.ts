import { type Api, BASE, mkProfile, mkType, sf, start } from "./helpers";

let api: Api;
afterEach(async () => {
  await api.emu.close();
});

const names = (r: { body: { values: { name: string }[] } }): string[] => r.body.values.map((v) => v.name).sort();
const q = (filter: string): string => `access_profiles?filter=${encodeURIComponent(filter)}`;

describe("SCIM filters", () => {
  let typeA: string;
  beforeEach(async () => {
    api = await start();
    typeA = await mkType(api, { name: "A", allow_create_relationships: true });
    const typeB = await mkType(api, { name: "B", allow_create_relationships: true });
    await mkProfile(api, {
      name: "SF Dev",
      profile_type: typeA,
      labels: ["requestable", "dev"],
      entities_to_create_relationships_to: [sf("g1")],
    });
    await mkProfile(api, {
      name: "AWS Ops",
      profile_type: typeA,
      state: "RUNNING",
      labels: ["ops"],
      entities_to_create_relationships_to: [{ entity_type: "AwsIamRole", datasource_id: "aws-1", entity_id: "r" }],
    });
    await mkProfile(api, { name: 'Say "hi" \\ bye', profile_type: typeB, labels: ["auto-requestable"], datasource_ids: ["ds-9"] });
  });

  test("eq on scalars and arrays, co on arrays", async () => {
    expect(names(await api.get(q(`profile_type eq "${typeA}"`)))).toEqual(["AWS Ops", "SF Dev"]);
    expect(names(await api.get(q('integrations eq "SALESFORCE"')))).toEqual(["SF Dev"]);
    expect(names(await api.get(q('labels co "req"')))).toEqual(["SF Dev", 'Say "hi" \\ bye']);
    expect(names(await api.get(q('labels eq "req"')))).toEqual([]);
    expect(names(await api.get(q('provider_ids co "aws"')))).toEqual(["AWS Ops"]);
    expect(names(await api.get(q('datasource_ids eq "ds-9"')))).toEqual(['Say "hi" \\ bye']);
    expect(names(await api.get(q('name sw "SF"')))).toEqual(["SF Dev"]);
    expect(names(await api.get(q('name ne "SF Dev"')))).toEqual(["AWS Ops", 'Say "hi" \\ bye'].sort());
    expect(names(await api.get(q("state eq 1")))).toEqual(["AWS Ops"]);
    expect(names(await api.get(q('state eq "RUNNING"')))).toEqual(["AWS Ops"]);
  });

  test("and/or with parentheses, case-insensitive operators and attributes, not", async () => {
    const f = `(integrations co "SALESFORCE" OR integrations co "AWS") And profile_type EQ "${typeA}"`;
    expect(names(await api.get(q(f)))).toEqual(["AWS Ops", "SF Dev"]);
    expect(names(await api.get(q('Labels co "dev" or labels co "ops" and name eq "nobody"')))).toEqual(["SF Dev"]);
    expect(names(await api.get(q('not (labels co "req")')))).toEqual(["AWS Ops"]);
  });

  test("escaped quotes and backslashes in values", async () => {
    expect(names(await api.get(q('name eq "Say \\"hi\\" \\\\ bye"')))).toEqual(['Say "hi" \\ bye']);
    expect(names(await api.get(q('name co "\\"hi\\""')))).toEqual(['Say "hi" \\ bye']);
  });

  test("a bad filter is 400 naming the position", async () => {
    const r = await api.get(q('name eq "x" and'));
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/position 15/);
    const u = await api.get(q('colour eq "red"'));
    expect(u.status).toBe(400);
    expect(u.body.message).toMatch(/position 0.*colour/);
    expect((await api.get(q('name eq "unterminated'))).status).toBe(400);
    expect((await api.get(q('(name eq "x"'))).status).toBe(400);
  });

  test("entity_extra_info adds entity_name, provider_id, native_id", async () => {
    const plain = await api.get(q('name eq "SF Dev"'));
    expect(plain.body.values[0].current_version.entities_to_create_relationships_to[0].native_id).toBeUndefined();
    const r = await api.get(`${q('name eq "SF Dev"')}&entity_extra_info=true`);
    expect(r.body.values[0].current_version.entities_to_create_relationships_to[0]).toMatchObject({
      entity_id: "g1",
      entity_name: "g1",
      provider_id: "sf-ds-1",
      native_id: "g1",
    });
  });
});

describe("pagination", () => {
  async function seed(n: number): Promise<void> {
    const t = await mkType(api, { name: "T" });
    for (let i = 0; i < n; i++) {
      api.emu.store.createProfile({ name: `p${String(i).padStart(3, "0")}`, profile_type: t });
    }
  }

  async function readAll(pageSize: number): Promise<{ names: string[]; pages: number; empties: number; tokens: string[] }> {
    const out: string[] = [];
    const tokens: string[] = [];
    let token = "";
    let pages = 0;
    let empties = 0;
    for (;;) {
      const r = await api.get(`access_profiles?page_size=${pageSize}${token ? `&page_token=${encodeURIComponent(token)}` : ""}`);
      expect(r.status).toBe(200);
      pages++;
      if (r.body.values.length === 0) empties++;
      out.push(...r.body.values.map((v: { name: string }) => v.name));
      if (!r.body.has_more) {
        expect(r.body.next_page_token).toBe("");
        break;
      }
      token = r.body.next_page_token;
      tokens.push(token);
      if (pages > 50) throw new Error("runaway");
    }
    return { names: out, pages, empties, tokens };
  }

  beforeEach(async () => {
    api = await start();
    await seed(250);
  });

  test("250 profiles in pages of 100; tokens need URL-encoding", async () => {
    const res = await readAll(100);
    expect(res.pages).toBe(3);
    expect(res.names).toHaveLength(250);
    expect(new Set(res.names).size).toBe(250);
    for (const t of res.tokens) expect(t).toMatch(/[+/]/);
    // the same token sent raw: "+" becomes a space and the server refuses it
    const raw = await api.get(`access_profiles?page_size=100&page_token=${res.tokens[0]}`);
    expect(raw.status).toBe(400);
    expect(raw.body.message).toMatch(/page_token/);
    expect((await api.get("access_profiles?page_token=garbage")).status).toBe(400);
    // a token is bound to its list and filter
    const other = await api.get(
      `access_profiles?filter=${encodeURIComponent('name sw "p"')}&page_token=${encodeURIComponent(res.tokens[0]!)}`,
    );
    expect(other.status).toBe(400);
  });

  test("page_size is clamped to maxPageSize and defaults to 100", async () => {
    expect((await api.get("access_profiles")).body.values).toHaveLength(100);
    expect((await api.get("access_profiles?page_size=1000")).body.values).toHaveLength(100);
    api.emu.setKnobs({ maxPageSize: 40 });
    expect((await api.get("access_profiles?page_size=100")).body.values).toHaveLength(40);
    expect((await api.get("access_profiles?page_size=-1")).status).toBe(400);
  });

  test("emptyPageEvery=2 injects empty pages with has_more true that continue", async () => {
    api.emu.setKnobs({ emptyPageEvery: 2 });
    const res = await readAll(100);
    expect(res.empties).toBeGreaterThanOrEqual(1);
    expect(res.names).toHaveLength(250);
    expect(new Set(res.names).size).toBe(250);
    api.emu.setKnobs({ emptyPageEvery: 1 });
    const every = await readAll(100);
    expect(every.empties).toBe(3);
    expect(every.names).toHaveLength(250);
  });
});

describe("response encodings", () => {
  let typeId: string;
  let profileId: string;
  beforeEach(async () => {
    api = await start();
    typeId = await mkType(api, {
      name: "T",
      allow_create_relationships: true,
      on_create_behavior: "RUNNING",
      time_before_sync_check_in_seconds: 3600,
    });
    profileId = await mkProfile(api, { name: "P", profile_type: typeId, entities_to_create_relationships_to: [sf("g")] });
  });

  test("names (default) and numbers", async () => {
    let p = (await api.get(`access_profiles/${profileId}`)).body.value;
    expect(p.state).toBe("RUNNING");
    expect(p.current_version.state).toBe("PUBLISHED");
    api.emu.setKnobs({ enumEncoding: "numbers" });
    p = (await api.get(`access_profiles/${profileId}`)).body.value;
    expect(p.state).toBe(1);
    expect(p.current_version.state).toBe(1);
    expect((await api.get(`access_profiles_types/${typeId}`)).body.value.on_create_behavior).toBe(1);
  });

  test("numbersAsStrings", async () => {
    api.emu.setKnobs({ numbersAsStrings: true });
    const t = (await api.get(`access_profiles_types/${typeId}`)).body.value;
    expect(t.time_before_sync_check_in_seconds).toBe("3600");
    expect(t.profiles_count).toBe("1");
    expect(t.max_entitlements).toBeNull();
    const p = (await api.get(`access_profiles/${profileId}`)).body.value;
    expect(p.current_version_number).toBe("1");
    expect(p.draft_version_number).toBe("0");
  });

  test("mixed produces both spellings over many reads", async () => {
    api.emu.setKnobs({ enumEncoding: "mixed" });
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) seen.add(typeof (await api.get(`access_profiles/${profileId}`)).body.value.state);
    expect([...seen].sort()).toEqual(["number", "string"]);
  });

  test("versionShape short", async () => {
    api.emu.setKnobs({ versionShape: "short" });
    const v = (await api.patch(`access_profiles/${profileId}/versions/1`, {})).body.value;
    expect(v).toMatchObject({ id: profileId, version: 1 });
    expect(v.access_profile_id).toBeUndefined();
    expect(v.version_number).toBeUndefined();
    const cur = (await api.get(`access_profiles/${profileId}`)).body.value.current_version;
    expect(cur).toMatchObject({ id: profileId, version: 1 });
  });

  test("emptyAs omit and null", async () => {
    api.emu.setKnobs({ emptyAs: "omit" });
    let p = (await api.get(`access_profiles/${profileId}`)).body.value;
    expect("labels" in p).toBe(false);
    expect("description" in p).toBe(false);
    expect(p.name).toBe("P");
    api.emu.setKnobs({ emptyAs: "null" });
    p = (await api.get(`access_profiles/${profileId}`)).body.value;
    expect(p.labels).toBeNull();
    expect(p.description).toBeNull();
  });
});

test("raw fetch sanity: base path constant", () => {
  expect(BASE).toBe("/api/private/lifecycle_management");
});
