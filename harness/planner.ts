/**
 * The planner: what the engine does with a registration, a removed resource or a refreshed one,
 * decided from the state and the provider's answers. Pulumi's engine keeps the deciding
 * (pkg/resource/deploy/step_generator.go) apart from the doing (step_executor.go); so does this
 * harness. Nothing here calls the provider, reads a clock or mutates its arguments: the executor
 * (harness/executor.ts) makes the Check and Diff calls, hands their answers here, and runs the
 * steps that come back. tests/engine/planner.test.ts tables every decision.
 */
import { DIFF_SOME, DIFF_UNKNOWN } from "./provider-connection";
import type { ResourceOp, StateResource } from "./types";
import { applyIgnoreChanges, deepEqual, type JsonObject } from "./values";

export const DYNAMIC_PREFIX = "pulumi-nodejs:dynamic";
export const STACK_TYPE = "pulumi:pulumi:Stack";

/** A dynamic resource (the only custom resources the harness runs): `pulumi-nodejs:dynamic[:/]…`. */
export function isDynamic(type: string): boolean {
  return type === DYNAMIC_PREFIX || type.startsWith(`${DYNAMIC_PREFIX}:`) || type.startsWith(`${DYNAMIC_PREFIX}/`);
}

/** A custom resource the engine runs: a dynamic one, or with a plugin (`EngineOptions.plugin`) one of its package (`veza:index:…`). */
export function isManaged(type: string, pluginPackage?: string): boolean {
  return pluginPackage === undefined ? isDynamic(type) : type.startsWith(`${pluginPackage}:`);
}

/** A resource's URN; a child's type is qualified by its parent's, unless the parent is the stack. */
export function makeUrn(stack: string, project: string, parent: string, type: string, name: string): string {
  let qualified = type;
  if (parent) {
    const parentType = parent.split("::")[2];
    if (parentType && parentType !== STACK_TYPE) qualified = `${parentType}$${type}`;
  }
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/** One of a registration's `aliases` as the SDK sends it: a URN, or a spec whose missing parts are the resource's own. */
export interface AliasSpec {
  urn?: string;
  name?: string;
  type?: string;
  parentUrn?: string;
  noParent?: boolean;
  stack?: string;
  project?: string;
}

/** The old URNs a resource may have had, from its aliases. */
export function aliasUrns(
  aliases: readonly AliasSpec[],
  own: { stack: string; project: string; parent: string; type: string; name: string },
): string[] {
  return aliases.map((a) => {
    if (a.urn) return a.urn;
    const parent = a.noParent ? "" : a.parentUrn || own.parent;
    return makeUrn(a.stack || own.stack, a.project || own.project, parent, a.type || own.type, a.name || own.name);
  });
}

/**
 * The alias whose old state a registration under a new URN takes over (step_generator.go): the
 * first alias with an old entry that is not this URN and that no registration has claimed.
 */
export function claimableAlias(
  aliases: readonly string[],
  urn: string,
  old: ReadonlyMap<string, unknown>,
  registered: ReadonlySet<string>,
): string | undefined {
  return aliases.find((alias) => old.has(alias) && alias !== urn && !registered.has(alias));
}

/** Top-level keys whose values differ, internal `__` keys (such as `__provider`) left out. */
export function changedKeys(olds: JsonObject, news: JsonObject): string[] {
  const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
  return [...keys].filter((k) => !k.startsWith("__") && !deepEqual(olds[k], news[k])).sort();
}

// ---- registrations ------------------------------------------------------------------------------

/** A RegisterResourceRequest as the planner and the executor see it (decoded by harness/program-runner.ts). */
export interface Registration {
  urn: string;
  type: string;
  name: string;
  /** The parent's URN, "" for none. */
  parent: string;
  custom: boolean;
  /** Engine form: unknown sentinels and secret wrappers as the SDK sent them. */
  inputs: JsonObject;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  additionalSecretOutputs: string[];
  ignoreChanges: string[];
  importId?: string;
  /** The `deleteBeforeReplace` resource option. */
  deleteBeforeReplace: boolean;
  retainOnDelete: boolean;
  /** The old URNs its `aliases` name (`aliasUrns`). */
  aliases: string[];
}

/** What becomes of a registration before any provider call. */
export type Admission =
  /** The URN was registered already in this operation: the registration fails. */
  | { kind: "duplicate"; message: string }
  /** A custom resource that is not dynamic: the harness cannot run it; the registration fails. */
  | { kind: "unsupported"; message: string }
  /** The root stack or a component: recorded in state, nothing to call. */
  | { kind: "component" }
  /** An earlier resource failed and the operation stops (no `continueOnError`): not started. */
  | { kind: "skip" }
  /** A dependency (or the parent) failed: not started, reported as failed (`continueOnError`). */
  | { kind: "failed-dependency"; message: string }
  /** Check, Diff and the steps they lead to. */
  | { kind: "run" };

export function admit(
  reg: Pick<Registration, "urn" | "type" | "parent" | "custom" | "dependencies">,
  ctx: { registered: ReadonlySet<string>; failed: ReadonlySet<string>; stopping: boolean; plugin?: string },
): Admission {
  if (ctx.registered.has(reg.urn)) return { kind: "duplicate", message: `duplicate resource URN ${reg.urn}` };
  if (!isManaged(reg.type, ctx.plugin)) {
    const runs = ctx.plugin === undefined ? "dynamic resources are" : `the ${ctx.plugin} plugin's resources are`;
    if (reg.custom) return { kind: "unsupported", message: `harness: only ${runs} supported, got custom resource type ${reg.type}` };
    return { kind: "component" };
  }
  if (ctx.stopping) return { kind: "skip" };
  const failedDep = [...reg.dependencies, reg.parent].find((d) => d && ctx.failed.has(d));
  if (failedDep) return { kind: "failed-dependency", message: `skipped: depends on failed resource ${failedDep}` };
  return { kind: "run" };
}

/** An import (ImportStep): the registration names an id that is not the one its state was imported with (or created under). */
export function isImport(importId: string | undefined, old: Pick<StateResource, "id" | "importId"> | undefined): boolean {
  return importId !== undefined && (!old || (old.importId ?? old.id) !== importId);
}

/** The inputs Check gets (engine form): `ignoreChanges` paths take their old values (processIgnoreChanges). */
export function inputsForCheck(
  inputs: JsonObject,
  ignoreChanges: readonly string[],
  old: Pick<StateResource, "inputs"> | undefined,
): JsonObject {
  return old && ignoreChanges.length > 0 ? applyIgnoreChanges(inputs, old.inputs, ignoreChanges).inputs : inputs;
}

/** The provider's Diff answer, as far as the plan needs it. */
export interface DiffAnswer {
  changes: number;
  replaces: string[];
  deleteBeforeReplace: boolean;
  /** The properties of the provider's detailed diff, when it sent one (a dynamic provider does not). */
  detailedDiff?: string[];
}

/** What the executor does for a registration, in order. */
export type Step =
  /**
   * A dry run: the program gets `id` (none for a create) and the old outputs, or the checked
   * inputs (no provider call), or what the provider's Create or Update with `preview` answers (a
   * provider that supports preview; with an id an Update, else a Create).
   */
  | { kind: "preview"; id?: string; outputs: "old" | "checked" | "provider" }
  /** No change: the state entry keeps the object and its outputs, with the checked inputs (or, for an import, the read ones). */
  | { kind: "same"; inputs: "old" | "checked" }
  | { kind: "update" }
  /** Delete-before-replace: the old object goes first (with `retain`, only its state entry: retainOnDelete). */
  | { kind: "delete-replaced"; retain: boolean }
  /**
   * With `pendDeleteOld` (create-before-delete), the old entry stays in state, marked for deletion
   * after the program, and the new one becomes the URN's live entry.
   */
  | { kind: "create"; pendDeleteOld?: true };

export interface Plan {
  op: "create" | "update" | "replace" | "same";
  /** The op in the summary (an import shows as `import`). */
  shown: ResourceOp;
  changes: boolean;
  replaces: string[];
  /** The keys the CLI's update row names (getDiffInfo in pkg/backend/display/rows.go); only for an update or replace of an old resource. */
  diffKeys?: string[];
  deleteBeforeReplace: boolean;
  steps: Step[];
  /** The registration fails with this message before any step. */
  error?: string;
  /** A warning of the operation (a preview's form of `error`). */
  warning?: string;
}

export interface PlanInput {
  /** The registration's `import` id and its `deleteBeforeReplace` option. */
  importId?: string;
  deleteBeforeReplace: boolean;
  old?: Pick<StateResource, "id" | "initErrors" | "retainOnDelete">;
  importing: boolean;
  /** Provider form (secrets unwrapped). */
  oldInputs: JsonObject;
  checked: JsonObject;
  /** The Diff answer; there is none without an old state. */
  diff?: DiffAnswer;
  preview: boolean;
  /** The provider answers a dry run's Create and Update itself (ConfigureResponse.supportsPreview). */
  supportsPreview?: boolean;
}

/** The registration's steps, from its old state and the provider's Check and Diff answers (step_generator.go). */
export function planRegistration(p: PlanInput): Plan {
  const { old } = p;
  let op: Plan["op"] = "create";
  let replaces: string[] = [];
  let changes = true;
  let deleteBeforeReplace = p.deleteBeforeReplace;
  if (old) {
    const diff = p.diff;
    if (!diff) throw new Error("harness: a registration with an old state needs the provider's Diff");
    replaces = diff.replaces;
    changes = diff.changes === DIFF_SOME || replaces.length > 0;
    // #12401: a Diff that cannot say compares all inputs, `__provider` included
    if (diff.changes === DIFF_UNKNOWN) changes = !deepEqual(p.oldInputs, p.checked);
    if (old.initErrors && old.initErrors.length > 0) changes = true; // the engine always updates init-failed resources
    deleteBeforeReplace = deleteBeforeReplace || diff.deleteBeforeReplace;
    op = replaces.length > 0 ? "replace" : changes ? "update" : "same";
  }
  const plan: Plan = {
    op,
    shown: p.importing ? "import" : op,
    changes,
    replaces,
    // the detailed diff's keys when the provider sends one, else the inputs that differ (getDiffInfo)
    ...(old && op !== "same" ? { diffKeys: p.diff?.detailedDiff ?? changedKeys(p.oldInputs, p.checked) } : {}),
    deleteBeforeReplace,
    steps: [],
  };
  // A registration that still names an id may not be replaced: an error in an update, a warning in a preview.
  if (op === "replace" && p.importId !== undefined) {
    const message = `previously-imported resources that still specify an ID may not be replaced; please remove the \`import\` declaration from your program; ${replaces.join(", ")}`;
    if (!p.preview) return { ...plan, error: message };
    plan.warning = message;
  }
  plan.steps = p.preview
    ? [previewStep(op, old?.id, p.supportsPreview === true)]
    : writeSteps(op, deleteBeforeReplace, p.importing, old?.retainOnDelete === true);
  return plan;
}

/**
 * A dry run calls no Delete; a same keeps its outputs. A provider without preview support (every
 * dynamic provider) gets no Create or Update either: a create's or update's outputs are its checked
 * inputs, the rest unknown (provider_plugin.go answers for it). One that supports preview is asked
 * (Create or Update with `preview`), a replacement's new half by Create.
 */
function previewStep(op: Plan["op"], oldId: string | undefined, supportsPreview: boolean): Step {
  if (op === "same") return { kind: "preview", id: oldId, outputs: "old" };
  const outputs = supportsPreview ? "provider" : "checked";
  if (op === "update") return { kind: "preview", id: oldId, outputs };
  return { kind: "preview", outputs };
}

function writeSteps(op: Plan["op"], deleteBeforeReplace: boolean, importing: boolean, retain: boolean): Step[] {
  switch (op) {
    case "same":
      // an import that needs no change keeps the imported state, read inputs included
      return [{ kind: "same", inputs: importing ? "old" : "checked" }];
    case "update":
      return [{ kind: "update" }];
    case "replace":
      return deleteBeforeReplace ? [{ kind: "delete-replaced", retain }, { kind: "create" }] : [{ kind: "create", pendDeleteOld: true }];
    case "create":
      return [{ kind: "create" }];
  }
}

// ---- deletes ----------------------------------------------------------------------------------

/**
 * How a deleted entry goes: a Delete call, or only dropped from state (a stack or component, an
 * external (read) resource, or one with retainOnDelete, as the CLI does).
 */
export function deleteAction(e: Pick<StateResource, "type" | "external" | "retainOnDelete">, pluginPackage?: string): "delete" | "drop" {
  return isManaged(e.type, pluginPackage) && !e.external && !e.retainOnDelete ? "delete" : "drop";
}

function dependsOn(a: StateResource, b: StateResource): boolean {
  return a !== b && (a.dependencies.includes(b.urn) || a.parent === b.urn);
}

/** The entries that can be deleted now: nothing still to delete (or failed to delete) depends on them. */
export function readyToDelete(remaining: readonly StateResource[], failed: readonly StateResource[]): StateResource[] {
  const blockers = [...remaining, ...failed];
  return remaining.filter((e) => !blockers.some((o) => dependsOn(o, e)));
}

/**
 * The delete phase of an `up`: replaced resources pending deletion and resources the program no
 * longer declares, which count as deletes in the summary. After a failure, without
 * `continueOnError` nothing (the CLI stops; they wait for the next up); with it only the pending
 * deletes, uncounted (the engine does not delete what the program may have failed to declare).
 */
export function upDeletes(
  live: readonly StateResource[],
  registered: ReadonlySet<string>,
  failed: boolean,
  continueOnError: boolean,
): { entries: StateResource[]; counted: (e: StateResource) => boolean } {
  const pending = live.filter((r) => r.delete);
  if (failed) return { entries: continueOnError ? pending : [], counted: () => false };
  const removed = live.filter((r) => !r.delete && !registered.has(r.urn));
  return { entries: [...pending, ...removed], counted: (e) => !e.delete };
}

// ---- refresh ----------------------------------------------------------------------------------

/**
 * Whether a refreshed resource shows as changed (RefreshStep.ResultOp). A managed resource asks
 * the provider's Diff what an `up` of the unchanged program would do now (`diff`): no diff shows
 * as "same", even when read-only outputs moved. An external resource compares outputs (no Diff).
 * All values in provider form.
 */
export function refreshChanged(
  r: { external: boolean; oldOutputs: JsonObject; newOutputs: JsonObject; stateInputs: JsonObject; readInputs: JsonObject },
  diff: Pick<DiffAnswer, "changes" | "replaces"> | undefined,
): boolean {
  if (r.external) return !deepEqual(r.oldOutputs, r.newOutputs);
  if (!diff) throw new Error("harness: a refreshed managed resource needs the provider's Diff");
  if (diff.replaces.length > 0) return true;
  if (diff.changes === DIFF_UNKNOWN) return !deepEqual(r.stateInputs, r.readInputs);
  return diff.changes === DIFF_SOME;
}
