import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Engine, type EngineOptions, UNKNOWN } from "../../harness";
import { inProcess } from "../support/in-process";
import { KvItem, readCalls } from "./fixtures/kv";

const KV_TYPE = "pulumi-nodejs:dynamic/kv:KvItem";

let dir: string;
let kvDir: string;
let stateFile: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "harness-"));
  kvDir = path.join(dir, "kv");
  fs.mkdirSync(kvDir);
  stateFile = path.join(dir, "state.json");
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function engine(extra: EngineOptions = {}): Engine {
  return new Engine({ stateFile, providerHost: inProcess, ...extra, env: { KV_DIR: kvDir, ...(extra.env ?? {}) } });
}

/** Ids of the items currently stored by the fixture provider. */
function storedIds(): string[] {
  return fs
    .readdirSync(kvDir)
    .filter((f) => f.endsWith(".json") && !f.startsWith("_"))
    .map((f) => f.replace(/\.json$/, ""))
    .sort();
}

function readItem(id: string): any {
  return JSON.parse(fs.readFileSync(path.join(kvDir, `${id}.json`), "utf8"));
}

function calls(method?: string) {
  return readCalls(kvDir).filter((c) => !method || c.method === method);
}

function clearCalls() {
  fs.rmSync(path.join(kvDir, "_calls.jsonl"), { force: true });
}

function stateEntry(e: Engine, name: string) {
  return e.state().resources.find((r) => r.name === name);
}

describe("harness engine", () => {
  test("up creates, a second up and a preview change nothing", async () => {
    const e = engine();
    const program = () => {
      const a = new KvItem("a", { key: "a", value: "1" });
      new KvItem("b", { key: "b", value: "2" });
      new KvItem("c", { key: "c", value: "3" });
      return { aId: a.id, aVersion: a.version };
    };
    const s1 = await e.up(program);
    expect(s1.errors).toEqual([]);
    expect(s1.creates).toBe(3);
    expect(s1.grpc.Configure).toBe(1);
    expect(s1.grpc.Create).toBe(3);
    expect(s1.resources.a.type).toBe(KV_TYPE);
    expect(s1.resources.a.id).toBe("item-a");
    expect(s1.outputs).toEqual({ aId: "item-a", aVersion: 1 });
    expect(storedIds()).toEqual(["item-a", "item-b", "item-c"]);
    const st = e.state().resources;
    expect(st.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack", KV_TYPE, KV_TYPE, KV_TYPE]);
    // a, b and c depend on nothing: their creates run together, and state takes each as it completes
    expect(
      st
        .slice(1)
        .map((r) => r.urn)
        .sort(),
    ).toEqual(["a", "b", "c"].map((n) => `urn:pulumi:stack::project::${KV_TYPE}::${n}`));
    for (const r of st.slice(1)) {
      expect(typeof r.inputs.__provider).toBe("string");
      expect(typeof r.outputs.__provider).toBe("string");
    }
    expect(st[0].outputs).toEqual({ aId: "item-a", aVersion: 1 });

    // A new Engine on the same state file sees the same stack.
    const s2 = await engine().up(program);
    expect(s2.errors).toEqual([]);
    expect([s2.creates, s2.updates, s2.replaces, s2.deletes, s2.sames]).toEqual([0, 0, 0, 0, 3]);
    expect(s2.grpc.Create).toBeUndefined();
    expect(s2.grpc.Update).toBeUndefined();
    expect(s2.grpc.Diff).toBe(3);

    const before = e.stateText();
    const s3 = await e.preview(program);
    expect(s3.errors).toEqual([]);
    expect(s3.sames).toBe(3);
    expect(s3.grpc.Create).toBeUndefined();
    expect(s3.grpc.Update).toBeUndefined();
    expect(s3.grpc.Delete).toBeUndefined();
    expect(e.stateText()).toBe(before);
  });

  test("changing a value updates exactly one resource; changing the key replaces it (delete before create)", async () => {
    const e = engine();
    const program = (aValue: string, bKey: string) => () => {
      new KvItem("a", { key: "a", value: aValue });
      new KvItem("b", { key: bKey, value: "x" });
    };
    await e.up(program("1", "b"));

    const p = await e.preview(program("2", "b"));
    expect([p.updates, p.sames, p.grpc.Update]).toEqual([1, 1, undefined]);

    const s = await e.up(program("2", "b"));
    expect(s.errors).toEqual([]);
    expect(s.grpc.Update).toBe(1);
    expect(s.updates).toBe(1);
    expect(s.resources.a.op).toBe("update");
    expect(s.resources.a.changes).toBe(true);
    expect(readItem("item-a")).toMatchObject({ value: "2", version: 2 });
    expect(stateEntry(e, "a")!.outputs).toMatchObject({ value: "2", version: 2 });

    clearCalls();
    const r = await e.up(program("2", "b2"));
    expect(r.errors).toEqual([]);
    expect(r.replaces).toBe(1);
    expect(r.resources.b).toMatchObject({ op: "replace", replaces: ["key"], id: "item-b2" });
    expect([r.grpc.Create, r.grpc.Delete, r.grpc.Update]).toEqual([1, 1, undefined]);
    const order = calls()
      .filter((c) => c.method === "create" || c.method === "delete")
      .map((c) => c.method);
    expect(order).toEqual(["delete", "create"]);
    expect(storedIds()).toEqual(["item-a", "item-b2"]);
    expect(stateEntry(e, "b")!.id).toBe("item-b2");
    expect(e.state().resources.filter((x) => x.name === "b")).toHaveLength(1);
  });

  test("create-before-delete replace deletes the old object after the program, dependents updated first", async () => {
    const e = engine();
    const program = (key: string) => () => {
      const a = new KvItem("a", { key, value: "CREATE_BEFORE_DELETE" });
      new KvItem("b", { key: "b", value: "1", refs: [a.id] });
    };
    await e.up(program("a"));
    clearCalls();
    const s = await e.up(program("a2"));
    expect(s.errors).toEqual([]);
    expect(s.resources.a).toMatchObject({ op: "replace", id: "item-a2" });
    expect(s.resources.b).toMatchObject({ op: "update" });
    const order = calls()
      .filter((c) => ["create", "update", "delete"].includes(c.method))
      .map((c) => `${c.method}:${c.data.inputs?.key ?? c.data.news?.key ?? c.data.id}`);
    expect(order).toEqual(["create:a2", "update:b", "delete:item-a"]);
    expect(storedIds()).toEqual(["item-a2", "item-b"]);
    expect(e.state().resources.filter((r) => r.name === "a")).toEqual([expect.objectContaining({ id: "item-a2" })]);
    expect(e.stateText()).not.toContain('"delete"');
  });

  test("removing a resource from the program deletes it", async () => {
    const e = engine();
    await e.up(() => {
      new KvItem("a", { key: "a", value: "1" });
      new KvItem("b", { key: "b", value: "2" });
    });
    const s = await e.up(() => {
      new KvItem("a", { key: "a", value: "1" });
    });
    expect(s.errors).toEqual([]);
    expect([s.deletes, s.sames, s.grpc.Delete]).toEqual([1, 1, 1]);
    expect(s.resources.b).toMatchObject({ op: "delete", id: "item-b" });
    expect(storedIds()).toEqual(["item-a"]);
    expect(stateEntry(e, "b")).toBeUndefined();
  });

  test("dependents wait for their dependencies and receive real ids", async () => {
    const e = engine({ parallel: 4 });
    const s = await e.up(() => {
      const a = new KvItem("a", { key: "a", value: "1" });
      const b = new KvItem("b", { key: "b", value: "2", refs: [a.id] });
      return { bRefs: b.refs };
    });
    expect(s.errors).toEqual([]);
    const creates = calls("create");
    expect(creates.map((c) => c.data.inputs.key)).toEqual(["a", "b"]);
    expect(creates[1].data.inputs.refs).toEqual(["item-a"]);
    expect(s.outputs).toEqual({ bRefs: ["item-a"] });
    const a = stateEntry(e, "a")!;
    expect(stateEntry(e, "b")!.dependencies).toEqual([a.urn]);
  });

  test("preview of a fresh stack passes unknowns at any depth to check and plans creates", async () => {
    const e = engine();
    const program = () => {
      const a = new KvItem("a", { key: "a", value: "1" });
      new KvItem("b", { key: "b", value: "2", refs: [a.id, "literal"] });
      const c = new KvItem("c", { key: "c", value: "3", refs: pulumi.all([a.id]) });
      return { aId: a.id, cVersion: c.version, aKey: a.key };
    };
    const s = await e.preview(program);
    expect(s.errors).toEqual([]);
    expect(s.creates).toBe(3);
    expect(s.grpc.Check).toBe(3);
    expect(s.grpc.Create).toBeUndefined();
    expect(s.outputs).toEqual({ aId: UNKNOWN, cVersion: UNKNOWN, aKey: "a" });
    const checks = calls("check");
    expect(checks.find((c) => c.data.news.key === "b")!.data.news.refs).toEqual([UNKNOWN, "literal"]);
    expect(checks.find((c) => c.data.news.key === "c")!.data.news.refs).toBe(UNKNOWN);
    expect(storedIds()).toEqual([]);
    expect(fs.existsSync(stateFile)).toBe(false);
  });

  test("preview passes unknowns to diff of existing dependents", async () => {
    const e = engine();
    const program = (aKey: string) => () => {
      const a = new KvItem("a", { key: aKey, value: "1" });
      new KvItem("b", { key: "b", value: "2", refs: [a.id] });
    };
    await e.up(program("a"));
    clearCalls();
    const s = await e.preview(program("a2"));
    expect(s.errors).toEqual([]);
    expect(s.resources.a.op).toBe("replace");
    expect(s.resources.b.op).toBe("update");
    const bDiff = calls("diff").find((c) => c.data.news.key === "b")!;
    expect(bDiff.data.news.refs).toEqual([UNKNOWN]);
    expect(bDiff.data.olds.refs).toEqual(["item-a"]);
    expect([s.grpc.Create, s.grpc.Update, s.grpc.Delete]).toEqual([undefined, undefined, undefined]);
  });

  test("refresh detects out-of-band changes and deletions", async () => {
    const e = engine();
    const program = () => {
      new KvItem("a", { key: "a", value: "1" });
      new KvItem("b", { key: "b", value: "2" });
      new KvItem("c", { key: "c", value: "3" });
    };
    await e.up(program);
    const file = path.join(kvDir, "item-a.json");
    fs.writeFileSync(file, JSON.stringify({ ...readItem("item-a"), value: "changed" }));
    fs.unlinkSync(path.join(kvDir, "item-b.json"));

    const r = await e.refresh();
    expect(r.errors).toEqual([]);
    expect(r.grpc.Read).toBe(3);
    expect(r.resources.a.op).toBe("refresh-update");
    expect(r.resources.b.op).toBe("refresh-delete");
    expect(r.resources.c.op).toBe("same");
    expect([r.updates, r.deletes, r.sames]).toEqual([1, 1, 1]);
    expect(stateEntry(e, "a")!.outputs.value).toBe("changed");
    expect(stateEntry(e, "a")!.inputs.value).toBe("changed");
    expect(stateEntry(e, "b")).toBeUndefined();

    // The next up puts things back: a is updated (diff against refreshed outputs), b re-created.
    const s = await e.up(program);
    expect(s.errors).toEqual([]);
    expect([s.updates, s.creates, s.sames]).toEqual([1, 1, 1]);
    expect(readItem("item-a").value).toBe("1");
    expect(storedIds()).toEqual(["item-a", "item-b", "item-c"]);
  });

  test("destroy deletes everything, dependents first", async () => {
    const e = engine();
    await e.up(() => {
      const a = new KvItem("a", { key: "a", value: "1" });
      const b = new KvItem("b", { key: "b", value: "2", refs: [a.id] });
      new KvItem("c", { key: "c", value: "3", refs: [b.id] });
    });
    clearCalls();
    const d = await e.destroy();
    expect(d.errors).toEqual([]);
    expect(d.deletes).toBe(3);
    expect(calls("delete").map((c) => c.data.id)).toEqual(["item-c", "item-b", "item-a"]);
    expect(storedIds()).toEqual([]);
    expect(e.state().resources).toEqual([]);
  });

  test("a failed delete stops the destroy: what depends on nothing still in flight completes, the rest stays in state", async () => {
    const e = engine();
    await e.up(() => {
      const a = new KvItem("a", { key: "a", value: "1" });
      new KvItem("b", { key: "b", value: "FAIL_DELETE", refs: [a.id] });
      new KvItem("c", { key: "c", value: "1" });
    });
    const d = await e.destroy();
    // Like the CLI: only the failure is reported; a (after b) is not started.
    expect(d.errors.map((x) => x.name)).toEqual(["b"]);
    expect(d.resources.c.op).toBe("delete"); // started together with b
    expect(
      calls("delete")
        .map((c) => c.data.id)
        .sort(),
    ).toEqual(["item-b", "item-c"]);
    expect(
      e
        .state()
        .resources.map((r) => r.name)
        .sort(),
    ).toEqual(["a", "b", "project-stack"]);
    expect(storedIds()).toEqual(["item-a", "item-b"]);
  });

  test("with continueOnError a failed delete stays in state with an error, and so do its dependencies", async () => {
    const e = engine({ continueOnError: true });
    await e.up(() => {
      const a = new KvItem("a", { key: "a", value: "1" });
      new KvItem("b", { key: "b", value: "FAIL_DELETE", refs: [a.id] });
      new KvItem("c", { key: "c", value: "1" });
    });
    const d = await e.destroy();
    expect(d.errors.map((x) => x.name).sort()).toEqual(["a", "b"]);
    expect(d.errors.find((x) => x.name === "b")!.message).toMatch(/failed on purpose/);
    expect(d.resources.c.op).toBe("delete");
    expect(
      calls("delete")
        .map((c) => c.data.id)
        .sort(),
    ).toEqual(["item-b", "item-c"]);
    expect(
      e
        .state()
        .resources.map((r) => r.name)
        .sort(),
    ).toEqual(["a", "b", "project-stack"]);
    expect(storedIds()).toEqual(["item-a", "item-b"]);
  });

  test("a check failure is reported with the resource name and nothing is created", async () => {
    const e = engine();
    const s = await e.up(() => {
      const bad = new KvItem("bad", { key: "bad", value: "FAIL_CHECK" });
      new KvItem("child", { key: "child", value: "1", refs: [bad.id] });
    });
    expect(s.grpc.Create).toBeUndefined();
    // the operation stops at the failure: the dependent is not started (and not an error of its own)
    expect(s.errors.map((x) => x.name)).toEqual(["bad"]);
    expect(s.resources.child.op).toBe("skipped");
    expect(s.errors.find((x) => x.name === "bad")!.message).toMatch(/value: value must not be FAIL_CHECK/);
    expect(s.resources.bad.op).toBe("failed");
    expect(storedIds()).toEqual([]);
    expect(e.state().resources.filter((r) => r.type === KV_TYPE)).toEqual([]);
  });

  test("an init-failed create lands in state and the next up updates it", async () => {
    const e = engine();
    const program = (value: string) => () => {
      new KvItem("a", { key: "a", value });
    };
    const s1 = await e.up(program("INIT_FAIL"));
    expect(s1.errors).toHaveLength(1);
    expect(s1.errors[0]).toMatchObject({ name: "a" });
    expect(s1.errors[0].message).toMatch(/failed to initialize/);
    const st = stateEntry(e, "a")!;
    expect(st.id).toBe("item-a");
    expect(st.initErrors).toEqual(["initialization failed on purpose"]);
    expect(st.outputs).toMatchObject({ key: "a", value: "INIT_FAIL", version: 1 });

    const s2 = await e.up(program("ok"));
    expect(s2.errors).toEqual([]);
    expect(s2.grpc.Create).toBeUndefined();
    expect(s2.grpc.Update).toBe(1);
    expect(s2.resources.a.op).toBe("update");
    expect(stateEntry(e, "a")!.initErrors).toBeUndefined();
    expect(readItem("item-a")).toMatchObject({ value: "ok", version: 2 });

    const d = await e.destroy();
    expect(d.errors).toEqual([]);
    expect(storedIds()).toEqual([]);
  });

  test("with continueOnError a failing resource does not hang its dependents and independent resources still go through", async () => {
    const e = engine({ continueOnError: true });
    // a hang shows as this test's timeout (no wall-clock bound: the dependents' errors below are the proof)
    const s = await e.up(() => {
      const a = new KvItem("a", { key: "a", value: "FAIL_CREATE" });
      const b = new KvItem("b", { key: "b", value: "1", refs: [a.id] });
      new KvItem("c", { key: "c", value: "1", refs: [b.id] });
      new KvItem("d", { key: "d", value: "1" });
      return { bId: b.id };
    });
    expect(s.errors.map((x) => x.name).sort()).toEqual(["a", "b", "c"]);
    expect(s.errors.find((x) => x.name === "a")!.message).toMatch(/failed on purpose/);
    expect(s.resources.d.op).toBe("create");
    expect(storedIds()).toEqual(["item-d"]);
    expect(e.state().resources.map((r) => r.name)).toEqual(["project-stack", "d"]);
  });

  test("config reaches configure; secret config arrives unwrapped and never lands in state", async () => {
    const e = engine({
      config: { "kv:tag": "blue", "kv:secret": "s3cr3t-config" },
      secretConfigKeys: ["kv:secret"],
    });
    const s = await e.up(() => {
      new KvItem("a", { key: "a", value: pulumi.secret("s3cr3t-input") });
      new KvItem("b", { key: "b", value: "plain" }, { additionalSecretOutputs: ["path"] });
    });
    expect(s.errors).toEqual([]);
    expect(stateEntry(e, "b")!.outputs.path).toMatchObject({ ciphertext: expect.any(String) });
    expect(stateEntry(e, "b")!.outputs.value).toBe("plain");
    expect(calls("configure").map((c) => c.data)).toEqual([{ tag: "blue", secret: "s3cr3t-config" }]);
    expect(s.warnings.some((w) => w.includes("kv tag is blue"))).toBe(true);
    // The provider got the plain secret input; the state holds it encrypted.
    expect(readItem("item-a").value).toBe("s3cr3t-input");
    const text = e.stateText();
    expect(text).not.toContain("s3cr3t");
    expect(stateEntry(e, "a")!.outputs.value).toMatchObject({ ciphertext: expect.any(String) });
    // The secret input round-trips: the next up sees no change.
    const s2 = await e.up(() => {
      new KvItem("a", { key: "a", value: pulumi.secret("s3cr3t-input") });
      new KvItem("b", { key: "b", value: "plain" }, { additionalSecretOutputs: ["path"] });
    });
    expect([s2.sames, s2.updates]).toEqual([2, 0]);
  });
  test("the operation stops at the first failed resource: nothing new starts, nothing is deleted", async () => {
    const e = engine({ parallel: 1 });
    await e.up(() => {
      new KvItem("old", { key: "old", value: "1" });
    });
    clearCalls();
    const s = await e.up(() => {
      new KvItem("a", { key: "a", value: "FAIL_CREATE" });
      new KvItem("b", { key: "b", value: "1" });
      new KvItem("c", { key: "c", value: "1" });
    });
    expect(s.errors.map((x) => x.name)).toEqual(["a"]);
    expect([s.resources.b.op, s.resources.c.op]).toEqual(["skipped", "skipped"]);
    expect(calls("create").map((c) => c.data.inputs.key)).toEqual(["a"]);
    // "old" is no longer declared, but the failed up does not delete it
    expect(calls("delete")).toEqual([]);
    expect(storedIds()).toEqual(["item-old"]);
  });

  test("preview of an in-place update: its state is the new inputs, so outputs that are not inputs reach dependents as unknown", async () => {
    const e = engine();
    const program = (aValue: string) => () => {
      const a = new KvItem("a", { key: "a", value: aValue });
      const b = new KvItem("b", { key: "b", value: "2", refs: [pulumi.interpolate`${a.version}`, a.value] });
      return { aVersion: a.version, aValue: a.value, bRefs: b.refs };
    };
    await e.up(program("1"));
    clearCalls();
    const s = await e.preview(program("2"));
    expect(s.errors).toEqual([]);
    expect(s.resources.a.op).toBe("update");
    expect(s.grpc.Update).toBeUndefined();
    // version is an output only: unknown; value is an input: its new value
    expect(s.outputs).toMatchObject({ aVersion: UNKNOWN, aValue: "2" });
    const bCheck = calls("check").find((c) => c.data.news.key === "b")!;
    expect(bCheck.data.news.refs).toEqual([UNKNOWN, "2"]);
    const bDiff = calls("diff").find((c) => c.data.news.key === "b")!;
    expect(bDiff.data.news.refs).toEqual([UNKNOWN, "2"]);
    expect(bDiff.data.olds.refs).toEqual(["1", "1"]);
  });

  test("the program sees the stack config the way the language host passes it (veza:config:* keys)", async () => {
    const e = engine({ config: { "kv:tag": "blue", "kv:secret": "s3cr3t" }, secretConfigKeys: ["kv:secret"] });
    const before = process.env.PULUMI_CONFIG;
    const s = await e.up(() => {
      const cfg = new pulumi.Config("kv");
      return { tag: cfg.get("tag"), raw: process.env.PULUMI_CONFIG, secretKeys: process.env.PULUMI_CONFIG_SECRET_KEYS };
    });
    expect(s.errors).toEqual([]);
    expect(s.outputs.tag).toBe("blue");
    expect(JSON.parse(s.outputs.raw as string)).toEqual({ "kv:config:tag": "blue", "kv:config:secret": "s3cr3t" });
    expect(JSON.parse(s.outputs.secretKeys as string)).toEqual(["kv:config:secret"]);
    expect(process.env.PULUMI_CONFIG).toBe(before);
  });

  test("refresh and destroy configure the provider from the config saved by the last up; preview and up from the current one", async () => {
    await engine({ config: { "kv:tag": "blue", "kv:secret": "old-s3cr3t" }, secretConfigKeys: ["kv:secret"] }).up(() => {
      new KvItem("a", { key: "a", value: "1" });
    });
    const saved = JSON.parse(fs.readFileSync(stateFile, "utf8"));
    expect(saved.config["kv:tag"]).toBe("blue");
    expect(saved.config["kv:secret"]).toMatchObject({ ciphertext: expect.any(String) });
    expect(fs.readFileSync(stateFile, "utf8")).not.toContain("old-s3cr3t");

    const rotated = engine({ config: { "kv:tag": "red", "kv:secret": "new-s3cr3t" }, secretConfigKeys: ["kv:secret"] });
    clearCalls();
    expect((await rotated.refresh()).errors).toEqual([]);
    expect(calls("configure").map((c) => c.data)).toEqual([{ tag: "blue", secret: "old-s3cr3t" }]);
    clearCalls();
    await rotated.preview(() => {
      new KvItem("a", { key: "a", value: "1" });
    });
    expect(calls("configure").map((c) => c.data)).toEqual([{ tag: "red", secret: "new-s3cr3t" }]);
    clearCalls();
    expect((await rotated.destroy()).errors).toEqual([]);
    expect(calls("configure").map((c) => c.data)).toEqual([{ tag: "blue", secret: "old-s3cr3t" }]);
    expect(storedIds()).toEqual([]);
    // an empty stack keeps no config
    expect(JSON.parse(fs.readFileSync(stateFile, "utf8")).config).toBeUndefined();
  });

  test("Resource.get reads an existing object (also in preview) with only __provider, and destroy leaves it alone", async () => {
    const e = engine();
    await e.up(() => {
      new KvItem("a", { key: "a", value: "1" });
    });
    clearCalls();
    const program = () => {
      const got = KvItem.get("a-read", "item-a");
      return { value: got.value, version: got.version };
    };
    const pv = await e.preview(program);
    expect(pv.errors).toEqual([]);
    expect(pv.resources["a-read"]).toMatchObject({ op: "read", id: "item-a" });
    expect(pv.outputs).toEqual({ value: "1", version: 1 });
    const reads = calls("read");
    expect(reads).toHaveLength(1);
    expect(Object.keys(reads[0].data.props)).toEqual(["__provider"]);

    const s = await e.up(program); // a is no longer declared: deleted; the read one is external
    expect(s.errors).toEqual([]);
    expect(s.outputs).toEqual({ value: "1", version: 1 });
    expect(stateEntry(e, "a-read")).toMatchObject({ id: "item-a", external: true });
    expect(storedIds()).toEqual([]); // "a" was deleted by this up (removed from the program)
  });

  test("Resource.get of an external object that exists: destroy drops it from state without deleting it", async () => {
    const e = engine();
    await e.up(() => {
      new KvItem("a", { key: "a", value: "1" });
    });
    const other = new Engine({ stateFile: path.join(dir, "other.json"), env: { KV_DIR: kvDir } });
    const s = await other.up(() => ({ v: KvItem.get("a-read", "item-a").value }));
    expect(s.errors).toEqual([]);
    expect(s.outputs).toEqual({ v: "1" });
    clearCalls();
    const d = await other.destroy();
    expect(d.errors).toEqual([]);
    expect(calls("delete")).toEqual([]);
    expect(other.state().resources).toEqual([]);
    expect(storedIds()).toEqual(["item-a"]);
  });

  test("Resource.get of a missing id fails with the engine's error when the provider's read returns an empty id", async () => {
    const e = engine();
    const s = await e.up(() => ({ v: KvItem.get("ghost", "item-zzz").value }));
    expect(s.errors.map((x) => x.name)).toEqual(["ghost"]);
    expect(s.errors[0].message).toBe("resource 'item-zzz' does not exist");
    expect(e.state().resources.filter((r) => r.type === KV_TYPE)).toEqual([]);
    const pv = await e.preview(() => ({ v: KvItem.get("ghost", "item-zzz").value }));
    expect(pv.errors.map((x) => x.message)).toEqual(["resource 'item-zzz' does not exist"]);
  });

  test("refresh shows a change of outputs that are not inputs as same (the provider's diff decides), and state takes the new outputs", async () => {
    const e = engine();
    await e.up(() => {
      new KvItem("a", { key: "a", value: "1" });
    });
    fs.writeFileSync(path.join(kvDir, "item-a.json"), JSON.stringify({ ...readItem("item-a"), version: 7 }));
    const r = await e.refresh();
    expect(r.errors).toEqual([]);
    expect(r.resources.a.op).toBe("same");
    expect(stateEntry(e, "a")!.outputs.version).toBe(7);
  });

  test("refreshWithPreview reads every resource twice, like pulumi refresh without --skip-preview", async () => {
    const e = engine({ refreshWithPreview: true });
    await e.up(() => {
      new KvItem("a", { key: "a", value: "1" });
      new KvItem("b", { key: "b", value: "1" });
    });
    fs.unlinkSync(path.join(kvDir, "item-b.json"));
    const r = await e.refresh();
    expect(r.errors).toEqual([]);
    expect(r.grpc.Read).toBe(4);
    expect(r.grpc.Configure).toBe(2);
    expect(r.resources.b.op).toBe("refresh-delete");
    expect(stateEntry(e, "b")).toBeUndefined();
  });
});
