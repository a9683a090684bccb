/**
 * The resource options and commands the test engine models from Pulumi's engine
 * (pkg/resource/deploy/step_generator.go, step.go, pkg/resource/plugin/provider_plugin.go):
 * ignoreChanges, refresh taking Read's inputs, the `import` option, secret outputs, the update
 * row's keys, `up --refresh`. Driven through the real dynamic-provider server with a small fixture.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Engine } from "../../harness";
import { SECRET_SIG, SIG_KEY, applyIgnoreChanges, annotateSecrets, wrapSecret } from "../../harness/values";
import { Doc } from "./fixtures/doc";
import { inProcess } from "../support/in-process";
import { readCalls } from "./fixtures/kv";

let dir: string;
let stateFile: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "harness-options-"));
  stateFile = path.join(dir, "state.json");
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const engine = () => new Engine({ stateFile, providerHost: inProcess, env: { KV_DIR: dir } });
const calls = (method: string) => readCalls(dir).filter((c) => c.method === method);
const clearCalls = () => fs.rmSync(path.join(dir, "_calls.jsonl"), { force: true });
const stored = (id: string) => JSON.parse(fs.readFileSync(path.join(dir, `${id}.json`), "utf8"));
/** An edit outside Pulumi (an admin in the tenant's UI). */
const editOutOfBand = (id: string, change: Record<string, unknown>) =>
  fs.writeFileSync(path.join(dir, `${id}.json`), JSON.stringify({ ...stored(id), ...change }));
const entry = (e: Engine, name: string) => e.state().resources.find((r) => r.name === name)!;
const isEncrypted = (v: unknown) =>
  typeof v === "object" && v !== null && (v as any)[SIG_KEY] === SECRET_SIG && typeof (v as any).ciphertext === "string";

describe("ignoreChanges", () => {
  test("the ignored input takes its old value before Check; after a refresh that is the value read, so the admin's edit stays", async () => {
    const e = engine();
    const program = (value: string) => () => {
      new Doc("d", { key: "d", value, meta: { owner: "alice" } }, { ignoreChanges: ["value"] });
    };
    expect((await e.up(program("v1"))).errors).toEqual([]);

    // the program changes the ignored input: Check already sees the old value, nothing is written
    clearCalls();
    const s1 = await e.up(program("v2"));
    expect(s1.resources.d.op).toBe("same");
    expect(calls("check")[0].data.news.value).toBe("v1");
    expect(calls("update")).toHaveLength(0);

    // an admin changes both; refresh takes Read's inputs into state
    editOutOfBand("doc-d", { value: "admin", meta: { owner: "mallory" } });
    const r = await e.refresh();
    expect(r.resources.d.op).toBe("refresh-update");
    expect(entry(e, "d").inputs.value).toBe("admin");

    // up: the ignored value stays the admin's, the other drift is repaired
    clearCalls();
    const s2 = await e.up(program("v2"));
    expect(s2.resources.d.op).toBe("update");
    expect(calls("update")[0].data.news.value).toBe("admin");
    expect(stored("doc-d")).toMatchObject({ value: "admin", meta: { owner: "alice" } });
    // and a further up is a no-op
    expect((await e.up(program("v2"))).resources.d.op).toBe("same");
  });

  test("a nested path keeps the old value of that member only; a path the old inputs lack removes it", () => {
    const olds = { meta: { owner: "alice", team: "x" }, value: "v" };
    const news = { meta: { owner: "bob", team: "y" }, value: "w", extra: "e" };
    expect(applyIgnoreChanges(news, olds, ["meta.owner"]).inputs).toEqual({ meta: { owner: "alice", team: "y" }, value: "w", extra: "e" });
    expect(applyIgnoreChanges(news, olds, ["extra"]).inputs).toEqual({ meta: { owner: "bob", team: "y" }, value: "w" });
    expect(applyIgnoreChanges(news, olds, ['meta["team"]']).inputs.meta).toEqual({ owner: "bob", team: "x" });
    expect(applyIgnoreChanges(news, {}, ["meta.owner"]).invalid).toEqual(["meta.owner"]);
  });
});

describe("refresh and the update row", () => {
  test("a preview after a refresh names the drifted input (old inputs vs the program's), with no write", async () => {
    const e = engine();
    const program = () => {
      new Doc("d", { key: "d", value: "v1", meta: { owner: "alice" } });
    };
    await e.up(program);
    editOutOfBand("doc-d", { meta: { owner: "mallory" } });
    // without the refresh the inputs in state are the program's: the row names nothing
    const before = await e.preview(program);
    expect(before.resources.d.op).toBe("same");
    await e.refresh();
    clearCalls();
    const p = await e.preview(program);
    expect(p.resources.d.op).toBe("update");
    expect(p.resources.d.diffKeys).toEqual(["meta"]);
    expect(calls("update")).toHaveLength(0);
  });

  test("up --refresh reads every resource first, in the same provider process, then runs the program", async () => {
    const e = engine();
    const program = () => {
      new Doc("d", { key: "d", value: "v1", meta: {} });
    };
    await e.up(program);
    editOutOfBand("doc-d", { value: "admin" });
    // plain up: the diff compares with the old outputs, sees nothing to do
    expect((await e.up(program)).resources.d.op).toBe("same");
    const s = await e.up(program, { refresh: true });
    expect(s.refresh?.resources.d.op).toBe("refresh-update");
    expect(s.resources.d.op).toBe("update");
    expect(s.resources.d.diffKeys).toEqual(["value"]);
    expect(s.grpc.Read).toBe(1);
    expect(s.grpc.Configure).toBe(1);
    expect(stored("doc-d").value).toBe("v1");
  });
});

describe("aliases", () => {
  test("a new name with an alias to the old one is diffed against the old state (Check gets its old inputs), not created anew", async () => {
    const e = engine();
    await e.up(() => {
      new Doc("a", { key: "a", value: "v" });
    });
    clearCalls();
    const s = await e.up(() => {
      new Doc("b", { key: "a", value: "v" }, { aliases: [{ name: "a" }] });
    });
    expect(s.errors).toEqual([]);
    expect(s.resources.b.op).toBe("same");
    expect(calls("check")[0].data.olds.value).toBe("v");
    expect(calls("create")).toHaveLength(0);
    expect(calls("delete")).toHaveLength(0);
    expect(e.state().resources.map((r) => r.name)).toEqual(["project-stack", "b"]);
  });
});

describe("retainOnDelete", () => {
  test("destroy and the delete half of a replace leave the object and drop only the state entry", async () => {
    const e = engine();
    const program = (key: string) => () => {
      new Doc("d", { key, value: "v" }, { retainOnDelete: true });
    };
    await e.up(program("a"));
    const s = await e.up(program("b")); // a key change replaces (delete before create)
    expect(s.resources.d.op).toBe("replace");
    expect(calls("delete")).toHaveLength(0);
    expect(fs.existsSync(path.join(dir, "doc-a.json"))).toBe(true);
    await e.destroy();
    expect(calls("delete")).toHaveLength(0);
    expect(fs.existsSync(path.join(dir, "doc-b.json"))).toBe(true);
    expect(e.state().resources).toEqual([]);
  });
});

describe("the import option", () => {
  test("Read gets only the id: the dynamic-provider server finds no __provider and the import fails, in preview too", async () => {
    fs.writeFileSync(path.join(dir, "doc-x.json"), JSON.stringify({ key: "x", value: "v", meta: {}, copy: "v", version: 1 }));
    const program = () => {
      new Doc("x", { key: "x", value: "v" }, { import: "doc-x" });
    };
    for (const run of [(e: Engine) => e.preview(program), (e: Engine) => e.up(program)]) {
      const s = await run(engine());
      expect(s.resources.x.op).toBe("failed");
      expect(s.resources.x.error).toMatch(/^import: read: .*code must be a string/);
      expect(calls("read")).toHaveLength(0); // the provider's read never ran
    }
    expect(
      engine()
        .state()
        .resources.filter((r) => r.name === "x"),
    ).toEqual([]);
  });
});

describe("secret outputs", () => {
  test("same-name rule, nested in objects; additionalSecretOutputs for an output of another name; both survive a refresh", async () => {
    const e = engine();
    await e.up(() => {
      new Doc(
        "d",
        { key: "d", value: pulumi.secret("s3cret"), meta: { owner: "alice", pin: pulumi.secret("1234") } },
        { additionalSecretOutputs: ["copy"] },
      );
    });
    const check = (st: ReturnType<Engine["state"]>) => {
      const d = st.resources.find((r) => r.name === "d")!;
      expect(isEncrypted(d.outputs.value)).toBe(true);
      expect(isEncrypted(d.outputs.copy)).toBe(true);
      expect(d.outputs.meta).toMatchObject({ owner: "alice" });
      expect(isEncrypted((d.outputs.meta as any).pin)).toBe(true);
    };
    check(e.state());
    expect(e.stateText()).not.toContain("s3cret");
    expect(e.stateText()).not.toContain("1234");
    await e.refresh();
    check(e.state());
    expect(e.stateText()).not.toContain("s3cret");
  });

  test("without additionalSecretOutputs the copy under another name is plain (the leak the option exists for)", async () => {
    const e = engine();
    await e.up(() => {
      new Doc("d", { key: "d", value: pulumi.secret("s3cret") });
    });
    expect(entry(e, "d").outputs.copy).toBe("s3cret");
  });

  test("annotateSecrets: a secret element of a list makes the whole output secret", () => {
    const out = annotateSecrets({ ids: ["a", "b"], other: 1 }, { ids: ["a", wrapSecret("b")] });
    expect(out.ids).toEqual(wrapSecret(["a", "b"]));
    expect(out.other).toBe(1);
  });
});
