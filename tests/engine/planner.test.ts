/**
 * What the test engine decides (harness/planner.ts), as tables: one row per rule, state and provider
 * answers in, steps out. Pure: no provider process, no program, no clock. The lifecycle tests in
 * this folder show the same rules end to end through the real dynamic-provider server.
 */
import {
  admit,
  aliasUrns,
  changedKeys,
  claimableAlias,
  deleteAction,
  inputsForCheck,
  isImport,
  makeUrn,
  planRegistration,
  readyToDelete,
  refreshChanged,
  upDeletes,
  type Admission,
  type DiffAnswer,
  type Plan,
  type PlanInput,
} from "../../harness/planner";
import { DIFF_NONE, DIFF_SOME, DIFF_UNKNOWN } from "../../harness/provider-connection";
import type { StateResource } from "../../harness/types";

const DYN = "pulumi-nodejs:dynamic:Resource";
const STACK = "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev";
const URN = "urn:pulumi:dev::proj::pulumi-nodejs:dynamic:Resource::a";

describe("admit: what becomes of a registration before any provider call", () => {
  const reg = { urn: URN, type: DYN, parent: STACK, custom: true, dependencies: [] as string[] };
  const ctx: Parameters<typeof admit>[1] = { registered: new Set<string>(), failed: new Set<string>(), stopping: false };
  const rows: [string, Partial<typeof reg>, Partial<typeof ctx>, Admission][] = [
    ["a dynamic resource runs", {}, {}, { kind: "run" }],
    ["a URN registered twice fails", {}, { registered: new Set([URN]) }, { kind: "duplicate", message: `duplicate resource URN ${URN}` }],
    [
      "the duplicate rule comes first, even while stopping",
      {},
      { registered: new Set([URN]), stopping: true },
      { kind: "duplicate", message: `duplicate resource URN ${URN}` },
    ],
    ["a component is only recorded", { type: "my:index:Group", custom: false }, {}, { kind: "component" }],
    [
      "the stack is only recorded, even while stopping",
      { type: "pulumi:pulumi:Stack", custom: false, parent: "" },
      { stopping: true },
      { kind: "component" },
    ],
    [
      "a non-dynamic custom resource cannot run",
      { type: "aws:s3:Bucket" },
      {},
      { kind: "unsupported", message: "harness: only dynamic resources are supported, got custom resource type aws:s3:Bucket" },
    ],
    ["after a failure without continueOnError: skipped", {}, { stopping: true }, { kind: "skip" }],
    [
      "a failed dependency: not started, reported",
      { dependencies: ["urn:b"] },
      { failed: new Set(["urn:b"]) },
      { kind: "failed-dependency", message: "skipped: depends on failed resource urn:b" },
    ],
    [
      "a failed parent counts as a failed dependency",
      { parent: "urn:p" },
      { failed: new Set(["urn:p"]) },
      { kind: "failed-dependency", message: "skipped: depends on failed resource urn:p" },
    ],
    ["a dependency that did not fail: runs", { dependencies: ["urn:b"] }, { failed: new Set(["urn:c"]) }, { kind: "run" }],
    // EngineOptions.plugin: the plugin's package's resources run, dynamic ones and other packages' do not
    ["with a plugin: its package's resource runs", { type: "veza:index:AccessProfile" }, { plugin: "veza" }, { kind: "run" }],
    [
      "with a plugin: a dynamic resource cannot run",
      {},
      { plugin: "veza" },
      { kind: "unsupported", message: `harness: only the veza plugin's resources are supported, got custom resource type ${DYN}` },
    ],
    [
      "with a plugin: its explicit provider resource (pulumi:providers:veza) is not its package's",
      { type: "pulumi:providers:veza" },
      { plugin: "veza" },
      {
        kind: "unsupported",
        message: "harness: only the veza plugin's resources are supported, got custom resource type pulumi:providers:veza",
      },
    ],
  ];
  test.each(rows)("%s", (_title, r, c, expected) => {
    expect(admit({ ...reg, ...r }, { ...ctx, ...c })).toEqual(expected);
  });
});

describe("planRegistration: steps from the old state and the Check and Diff answers", () => {
  const old = { id: "id-1" };
  const diff = (changes: number, replaces: string[] = [], deleteBeforeReplace = false): DiffAnswer => ({
    changes,
    replaces,
    deleteBeforeReplace,
  });
  const input: PlanInput = { deleteBeforeReplace: false, importing: false, oldInputs: { v: 1 }, checked: { v: 1 }, preview: false };
  type Row = [string, Partial<PlanInput>, Partial<Plan>];
  const rows: Row[] = [
    [
      "no old state: create",
      { oldInputs: {}, checked: { v: 1 } },
      { op: "create", shown: "create", changes: true, replaces: [], steps: [{ kind: "create" }] },
    ],
    [
      "Diff says none: same, the entry takes the checked inputs",
      { old, diff: diff(DIFF_NONE) },
      { op: "same", changes: false, steps: [{ kind: "same", inputs: "checked" }] },
    ],
    [
      "Diff says some: update",
      { old, diff: diff(DIFF_SOME), checked: { v: 2 } },
      { op: "update", changes: true, diffKeys: ["v"], steps: [{ kind: "update" }] },
    ],
    ["Diff cannot say, inputs equal: same (#12401)", { old, diff: diff(DIFF_UNKNOWN) }, { op: "same", changes: false }],
    ["Diff cannot say, inputs differ: update", { old, diff: diff(DIFF_UNKNOWN), checked: { v: 2 } }, { op: "update", changes: true }],
    [
      "Diff cannot say, only __provider differs: update, but the row names no key",
      { old, diff: diff(DIFF_UNKNOWN), oldInputs: { __provider: "a", v: 1 }, checked: { __provider: "b", v: 1 } },
      { op: "update", diffKeys: [] },
    ],
    [
      "an init-failed resource is always updated",
      { old: { ...old, initErrors: ["boom"] }, diff: diff(DIFF_NONE) },
      { op: "update", changes: true, steps: [{ kind: "update" }] },
    ],
    [
      "replace, create before delete: the old entry pends deletion",
      { old, diff: diff(DIFF_SOME, ["v"]), checked: { v: 2 } },
      { op: "replace", replaces: ["v"], deleteBeforeReplace: false, steps: [{ kind: "create", pendDeleteOld: true }] },
    ],
    [
      "replace, Diff asks delete before replace",
      { old, diff: diff(DIFF_SOME, ["v"], true), checked: { v: 2 } },
      { op: "replace", deleteBeforeReplace: true, steps: [{ kind: "delete-replaced", retain: false }, { kind: "create" }] },
    ],
    [
      "replace, the deleteBeforeReplace option",
      { old, diff: diff(DIFF_SOME, ["v"]), deleteBeforeReplace: true },
      { op: "replace", deleteBeforeReplace: true, steps: [{ kind: "delete-replaced", retain: false }, { kind: "create" }] },
    ],
    [
      "replace with retainOnDelete: the old object stays, only its entry goes",
      { old: { ...old, retainOnDelete: true }, diff: diff(DIFF_SOME, ["v"], true) },
      { steps: [{ kind: "delete-replaced", retain: true }, { kind: "create" }] },
    ],
    ["replaces without DIFF_SOME still replace", { old, diff: diff(DIFF_NONE, ["v"]) }, { op: "replace", changes: true }],
    // imports
    [
      "an import that needs no change keeps the read inputs",
      { old, importing: true, importId: "id-1", diff: diff(DIFF_NONE) },
      { op: "same", shown: "import", steps: [{ kind: "same", inputs: "old" }] },
    ],
    [
      "an import with a change shows as import, runs an update",
      { old, importing: true, importId: "id-1", diff: diff(DIFF_SOME) },
      { op: "update", shown: "import", steps: [{ kind: "update" }] },
    ],
    [
      "a replace of a registration that names an import id fails",
      { old, importId: "id-1", diff: diff(DIFF_SOME, ["v"]) },
      {
        op: "replace",
        steps: [],
        error:
          "previously-imported resources that still specify an ID may not be replaced; please remove the `import` declaration from your program; v",
      },
    ],
    // previews: no Create, Update or Delete
    [
      "preview of a create: no id, the checked inputs",
      { preview: true, checked: { v: 1 } },
      { op: "create", steps: [{ kind: "preview", outputs: "checked" }] },
    ],
    [
      "preview of a same: the old id and outputs",
      { preview: true, old, diff: diff(DIFF_NONE) },
      { op: "same", steps: [{ kind: "preview", id: "id-1", outputs: "old" }] },
    ],
    [
      "preview of an update: the old id, the checked inputs",
      { preview: true, old, diff: diff(DIFF_SOME) },
      { op: "update", steps: [{ kind: "preview", id: "id-1", outputs: "checked" }] },
    ],
    [
      "preview of a replace: no id",
      { preview: true, old, diff: diff(DIFF_SOME, ["v"], true) },
      { op: "replace", steps: [{ kind: "preview", outputs: "checked" }] },
    ],
    // a provider that supports preview (a plugin's ConfigureResponse) is asked: Create, or Update with the old id
    [
      "supportsPreview: a create is the provider's",
      { preview: true, supportsPreview: true },
      { op: "create", steps: [{ kind: "preview", outputs: "provider" }] },
    ],
    [
      "supportsPreview: an update is the provider's, with the old id",
      { preview: true, supportsPreview: true, old, diff: diff(DIFF_SOME) },
      { op: "update", steps: [{ kind: "preview", id: "id-1", outputs: "provider" }] },
    ],
    [
      "supportsPreview: a replacement's new half is a Create",
      { preview: true, supportsPreview: true, old, diff: diff(DIFF_SOME, ["v"]) },
      { op: "replace", steps: [{ kind: "preview", outputs: "provider" }] },
    ],
    [
      "supportsPreview: a same keeps the old outputs (no call)",
      { preview: true, supportsPreview: true, old, diff: diff(DIFF_NONE) },
      { op: "same", steps: [{ kind: "preview", id: "id-1", outputs: "old" }] },
    ],
    [
      "a detailed diff names the row's keys",
      { old, diff: { ...diff(DIFF_SOME), detailedDiff: ["labels"] }, checked: { v: 2 } },
      { op: "update", diffKeys: ["labels"] },
    ],
    [
      "preview of a replace that names an import id: a warning, not an error",
      { preview: true, old, importId: "id-1", diff: diff(DIFF_SOME, ["v"]) },
      {
        op: "replace",
        steps: [{ kind: "preview", outputs: "checked" }],
        warning:
          "previously-imported resources that still specify an ID may not be replaced; please remove the `import` declaration from your program; v",
      },
    ],
  ];
  test.each(rows)("%s", (_title, p, expected) => {
    const plan = planRegistration({ ...input, ...p });
    expect(plan).toMatchObject(expected);
    if (!("error" in expected)) expect(plan.error).toBeUndefined();
    if (!("warning" in expected)) expect(plan.warning).toBeUndefined();
  });

  test("a create or a same names no diff keys", () => {
    expect(planRegistration({ ...input, oldInputs: {} }).diffKeys).toBeUndefined();
    expect(planRegistration({ ...input, old, diff: diff(DIFF_NONE) }).diffKeys).toBeUndefined();
  });

  test("an old state without a Diff answer is a harness bug, not a guess", () => {
    expect(() => planRegistration({ ...input, old })).toThrow(/needs the provider's Diff/);
  });
});

describe("before Check", () => {
  const rows: [string, string | undefined, Partial<StateResource> | undefined, boolean][] = [
    ["no import id: not an import", undefined, { id: "x" }, false],
    ["an import id and no state: import", "x", undefined, true],
    ["the id the state was created under: no import", "x", { id: "x" }, false],
    ["the id the state was imported with: no import", "x", { id: "y", importId: "x" }, false],
    ["another id: import", "z", { id: "x" }, true],
  ];
  test.each(rows)("isImport: %s", (_title, importId, old, expected) => {
    expect(isImport(importId, old as StateResource | undefined)).toBe(expected);
  });

  test("ignoreChanges: the listed paths take their old values, nested ones too; none without an old state", () => {
    const news = { a: 1, meta: { owner: "new", team: "t" } };
    const old = { inputs: { a: 0, meta: { owner: "old" } } };
    expect(inputsForCheck(news, ["a", "meta.owner"], old)).toEqual({ a: 0, meta: { owner: "old", team: "t" } });
    expect(inputsForCheck(news, ["a"], undefined)).toBe(news);
    expect(inputsForCheck(news, [], old)).toBe(news);
  });
});

describe("URNs and aliases", () => {
  test("a child's type is qualified by its parent's, unless the parent is the stack", () => {
    expect(makeUrn("dev", "proj", STACK, DYN, "a")).toBe(URN);
    expect(makeUrn("dev", "proj", "urn:pulumi:dev::proj::my:Group::g", DYN, "a")).toBe(
      "urn:pulumi:dev::proj::my:Group$pulumi-nodejs:dynamic:Resource::a",
    );
  });

  test("an alias spec's missing parts are the resource's own; noParent drops the parent", () => {
    const own = { stack: "dev", project: "proj", parent: "urn:pulumi:dev::proj::my:Group::g", type: DYN, name: "a" };
    expect(aliasUrns([{ name: "old" }, { noParent: true }, { urn: "urn:given" }, { stack: "prod" }], own)).toEqual([
      "urn:pulumi:dev::proj::my:Group$pulumi-nodejs:dynamic:Resource::old",
      URN,
      "urn:given",
      "urn:pulumi:prod::proj::my:Group$pulumi-nodejs:dynamic:Resource::a",
    ]);
  });

  test("the first alias with old state, not this URN and not claimed, is claimed", () => {
    const old = new Map<string, unknown>([
      ["urn:1", {}],
      ["urn:2", {}],
      [URN, {}],
    ]);
    expect(claimableAlias(["urn:0", "urn:1", "urn:2"], URN, old, new Set())).toBe("urn:1");
    expect(claimableAlias(["urn:1", "urn:2"], URN, old, new Set(["urn:1"]))).toBe("urn:2");
    expect(claimableAlias([URN], URN, old, new Set())).toBeUndefined();
  });

  test("the update row's keys: top-level, changed, internal keys left out, sorted", () => {
    expect(changedKeys({ b: 1, a: { x: 1 }, __provider: "p" }, { b: 2, a: { x: 1 }, c: 3, __provider: "q" })).toEqual(["b", "c"]);
  });
});

describe("deletes", () => {
  const entry = (urn: string, more: Partial<StateResource> = {}): StateResource => ({
    urn,
    type: DYN,
    name: urn,
    inputs: {},
    outputs: {},
    dependencies: [],
    ...more,
  });

  const actions: [string, Partial<StateResource>, "delete" | "drop"][] = [
    ["a managed dynamic resource is deleted", {}, "delete"],
    ["an external (read) resource is only dropped", { external: true }, "drop"],
    ["retainOnDelete: only dropped", { retainOnDelete: true }, "drop"],
    ["the stack or a component: only dropped", { type: "pulumi:pulumi:Stack" }, "drop"],
  ];
  test.each(actions)("deleteAction: %s", (_title, more, expected) => {
    expect(deleteAction(entry("u", more))).toBe(expected);
  });
  test("deleteAction with a plugin: its package's resources are deleted, others only dropped", () => {
    expect([deleteAction(entry("u", { type: "veza:index:AccessProfile" }), "veza"), deleteAction(entry("u"), "veza")]).toEqual([
      "delete",
      "drop",
    ]);
  });

  test("dependents and children go first; a failed delete keeps what it depends on", () => {
    const parent = entry("p");
    const child = entry("c", { parent: "p" });
    const dependent = entry("d", { dependencies: ["c"] });
    const lone = entry("l");
    expect(readyToDelete([parent, child, dependent, lone], [])).toEqual([dependent, lone]);
    expect(readyToDelete([parent, child], [])).toEqual([child]);
    expect(readyToDelete([parent, child], [dependent])).toEqual([]);
  });

  test("an up deletes pending replaced and undeclared resources; only the undeclared count", () => {
    const pending = entry("old", { delete: true });
    const kept = entry("kept");
    const removed = entry("gone");
    const plan = upDeletes([pending, kept, removed], new Set(["kept"]), false, false);
    expect(plan.entries).toEqual([pending, removed]);
    expect([pending, removed].map(plan.counted)).toEqual([false, true]);
  });

  test("after a failure: nothing without continueOnError; with it only the pending deletes, uncounted", () => {
    const pending = entry("old", { delete: true });
    const removed = entry("gone");
    expect(upDeletes([pending, removed], new Set(), true, false).entries).toEqual([]);
    const plan = upDeletes([pending, removed], new Set(), true, true);
    expect(plan.entries).toEqual([pending]);
    expect(plan.counted(pending)).toBe(false);
  });
});

describe("refreshChanged: what a refreshed resource shows", () => {
  const same: Parameters<typeof refreshChanged>[0] = {
    external: false,
    oldOutputs: { v: 1 },
    newOutputs: { v: 1 },
    stateInputs: { v: 1 },
    readInputs: { v: 1 },
  };
  const rows: [string, Partial<typeof same>, { changes: number; replaces: string[] } | undefined, boolean][] = [
    [
      "Diff says none: same, even when a read-only output moved",
      { newOutputs: { v: 1, updatedAt: "later" } },
      { changes: DIFF_NONE, replaces: [] },
      false,
    ],
    ["Diff says some: refresh-update", {}, { changes: DIFF_SOME, replaces: [] }, true],
    ["Diff asks a replace: refresh-update", {}, { changes: DIFF_NONE, replaces: ["v"] }, true],
    ["Diff cannot say: the inputs compared", { readInputs: { v: 2 } }, { changes: DIFF_UNKNOWN, replaces: [] }, true],
    ["Diff cannot say, inputs equal: same", {}, { changes: DIFF_UNKNOWN, replaces: [] }, false],
    ["an external resource compares outputs, no Diff", { external: true, newOutputs: { v: 2 } }, undefined, true],
    ["an external resource, outputs equal: same", { external: true }, undefined, false],
  ];
  test.each(rows)("%s", (_title, r, diff, expected) => {
    expect(refreshChanged({ ...same, ...r }, diff)).toBe(expected);
  });
});
