/**
 * The executor: the provider calls of an operation (pkg/resource/deploy/step_executor.go, and the
 * Check and Diff calls step_generator.go makes). For a registration it calls Check and Diff, asks
 * the planner (harness/planner.ts) for the steps, runs them (Create, Update, Delete) and records
 * the result in the operation (harness/operation.ts). Reads (`Resource.get`) and imports go the
 * same way; deletes and refreshes, which start from the state, are in harness/state-steps.ts.
 * What to do is the planner's; here is only how.
 */
import { errMessage, type Operation } from "./operation";
import { ProviderCallError } from "./provider-connection";
import { admit, claimableAlias, inputsForCheck, isManaged, isImport, planRegistration, type Registration, type Step } from "./planner";
import type { StateResource } from "./types";
import { UNKNOWN, annotateSecrets, markSecrets, toProviderObject, type JsonObject } from "./values";

/** The monitor's answer to a registration (the program runner turns it into a RegisterResourceResponse). */
export interface RegisterAnswer {
  urn: string;
  id: string;
  outputs: JsonObject;
  result: "success" | "fail" | "skip";
}

/** `Resource.get(name, id)` / `opts.id` as the monitor receives it (a ReadResourceRequest). */
export interface ReadRequest {
  urn: string;
  type: string;
  name: string;
  parent: string;
  id: string;
  /** The registration's properties (for a dynamic resource only `__provider`). */
  inputs: JsonObject;
  dependencies: string[];
  additionalSecretOutputs: string[];
}

type Base = { urn: string; type: string; name: string };

/**
 * The answer for a failed or skipped resource, as the engine gives it with --continue-on-error: a
 * non-SUCCESS result makes the runtime keep unknowns, so the id and every property are unknown,
 * and dependents register (with unknown inputs) instead of hanging.
 */
function failedAnswer(urn: string, inputs: JsonObject, result: "fail" | "skip"): RegisterAnswer {
  const outputs: JsonObject = {};
  for (const k of Object.keys(inputs)) outputs[k] = UNKNOWN;
  return { urn, id: "", outputs, result };
}

export async function register(op: Operation, reg: Registration): Promise<RegisterAnswer> {
  const { urn, type, name, parent, inputs, dependencies } = reg;
  const base = { urn, type, name };
  const admission = admit(reg, { registered: op.registered, failed: op.failedUrns, stopping: op.stopping, plugin: op.plugin });
  if (admission.kind === "duplicate") {
    op.fail(name, base, admission.message);
    return failedAnswer(urn, {}, "fail");
  }
  op.registered.add(urn);
  switch (admission.kind) {
    case "unsupported":
      op.fail(name, base, admission.message);
      op.failedUrns.add(urn);
      return failedAnswer(urn, inputs, "fail");
    case "component": {
      // The root stack and component resources: recorded, nothing to do.
      const prior = op.live.find(urn);
      const entry: StateResource = {
        urn,
        type,
        name,
        ...(parent ? { parent } : {}),
        inputs: {},
        outputs: prior?.outputs ?? {},
        dependencies,
      };
      op.live.upsert(entry);
      op.persist();
      op.emit(prior ? "same" : "create", urn, prior, entry);
      return { urn, id: "", outputs: {}, result: "success" };
    }
    case "skip":
      // Like the CLI without --continue-on-error: nothing new starts after a failure.
      op.failedUrns.add(urn);
      op.skip(name, base);
      return failedAnswer(urn, inputs, "skip");
    case "failed-dependency":
      op.failedUrns.add(urn);
      op.fail(name, base, admission.message);
      return failedAnswer(urn, inputs, "skip");
  }
  try {
    // a failure may happen while this one waits for a slot
    const answer = await op.sem.run(async () => (op.stopping ? undefined : registrationSteps(op, reg)));
    if (answer) return answer;
    op.failedUrns.add(urn);
    op.skip(name, base);
    return failedAnswer(urn, inputs, "skip");
  } catch (e) {
    op.failedUrns.add(urn);
    if (op.results[name]?.op !== "failed") op.fail(name, base, errMessage(e));
    return failedAnswer(urn, inputs, "fail");
  }
}

/** The old state of a resource registered under a new URN with an alias to its old one: the old entry becomes this URN's. */
function claimAlias(op: Operation, reg: Registration): StateResource | undefined {
  const alias = claimableAlias(reg.aliases, reg.urn, op.old, op.registered);
  if (alias === undefined) return undefined;
  op.registered.add(alias);
  const claimed = { ...op.old.get(alias)!, urn: reg.urn, name: reg.name };
  op.old.set(reg.urn, claimed);
  const live = op.live.find(alias);
  if (live && !op.preview) op.live.replace(live, { ...live, urn: reg.urn, name: reg.name });
  return claimed;
}

async function check(op: Operation, base: Base, oldInputs: JsonObject, news: JsonObject): Promise<JsonObject> {
  try {
    const chk = await op.provider.check(base.urn, base.name, base.type, oldInputs, news);
    if (chk.failures.length > 0) {
      const message = `check failed: ${chk.failures.map((f) => (f.property ? `${f.property}: ${f.reason}` : f.reason)).join("; ")}`;
      op.fail(base.name, base, message);
      throw new Error(message);
    }
    return chk.inputs;
  } catch (e) {
    if (e instanceof ProviderCallError) op.fail(base.name, base, `check: ${e.message}`);
    throw e;
  }
}

/** Check, Diff, the planner's steps. */
async function registrationSteps(op: Operation, reg: Registration): Promise<RegisterAnswer> {
  const { urn, type, name, parent, importId, additionalSecretOutputs } = reg;
  const base = { urn, type, name };
  const prov = op.provider;
  let old = op.old.get(urn) ?? claimAlias(op, reg);
  const importing = isImport(importId, old);
  if (importing) old = await importRead(op, base, importId!);
  const programInputs = inputsForCheck(reg.inputs, reg.ignoreChanges, old);
  const oldInputs = old ? toProviderObject(old.inputs) : {};
  const entryBase = {
    urn,
    type,
    name,
    ...(parent ? { parent } : {}),
    dependencies: reg.dependencies,
    // kept in state, as the CLI keeps them (a later preview's old state shows them)
    ...(Object.keys(reg.propertyDependencies).length ? { propertyDependencies: reg.propertyDependencies } : {}),
    ...(additionalSecretOutputs.length ? { additionalSecretOutputs } : {}),
    // the state remembers the id it was imported with while the program still names it (ImportID)
    ...(importId !== undefined ? { importId } : {}),
    ...(reg.retainOnDelete ? { retainOnDelete: true } : {}),
  };
  const checked = await check(op, base, oldInputs, toProviderObject(programInputs));
  const checkedEngine = annotateSecrets(checked, programInputs);
  let diff;
  if (old) {
    try {
      diff = await prov.diff(urn, name, type, old.id ?? "", toProviderObject(old.outputs), checked, oldInputs);
    } catch (e) {
      op.fail(name, { ...base, id: old.id }, `diff: ${errMessage(e)}`);
      throw e;
    }
  }
  const plan = planRegistration({
    importId,
    deleteBeforeReplace: reg.deleteBeforeReplace,
    old,
    importing,
    oldInputs,
    checked,
    diff,
    preview: op.preview,
    supportsPreview: prov.supportsPreview,
  });
  if (plan.error) {
    op.fail(name, { ...base, id: old?.id }, plan.error);
    throw new Error(plan.error);
  }
  if (plan.warning) op.warnings.push(`${name}: ${plan.warning}`);

  const { changes, replaces, diffKeys } = plan;
  const record = (id: string | undefined, outputs: JsonObject): RegisterAnswer => {
    op.results[name] = {
      ...base,
      op: plan.shown,
      ...(id !== undefined ? { id } : {}),
      changes,
      replaces,
      ...(diffKeys ? { diffKeys } : {}),
    };
    op.emit(plan.op, urn, old, { ...entryBase, ...(id ? { id } : {}), inputs: checkedEngine, outputs });
    return { urn, id: id ?? "", outputs, result: "success" };
  };
  const context: StepContext = { op, reg, base, old, oldInputs, checked, checkedEngine, entryBase, record };
  let answer: RegisterAnswer | undefined;
  for (const step of plan.steps) answer = (await runStep(context, step)) ?? answer;
  return answer!;
}

/** What a registration's steps work with: its old state, the checked inputs (provider and engine form), its state entry's fields. */
interface StepContext {
  op: Operation;
  reg: Registration;
  base: Base;
  old: StateResource | undefined;
  /** Provider form. */
  oldInputs: JsonObject;
  checked: JsonObject;
  checkedEngine: JsonObject;
  entryBase: Omit<StateResource, "inputs" | "outputs">;
  /** Records the result and the step event; the program's answer. */
  record(id: string | undefined, outputs: JsonObject): RegisterAnswer;
}

/** One step of the planner's: the provider call it names, the state entry it writes; the program's answer when it gives one. */
async function runStep(c: StepContext, step: Step): Promise<RegisterAnswer | undefined> {
  const { op, base, old, oldInputs, checked, checkedEngine, entryBase, record } = c;
  const { urn, type, name } = base;
  const prov = op.provider;
  const additionalSecretOutputs = c.reg.additionalSecretOutputs;
  const writeFailed = (e: unknown, oldId: string | undefined) =>
    handleWriteError(op, e, base, entryBase, checkedEngine, additionalSecretOutputs, oldId);
  switch (step.kind) {
    case "preview": {
      if (step.outputs !== "provider") return record(step.id, step.outputs === "old" ? old!.outputs : checkedEngine);
      let properties;
      try {
        ({ properties } =
          step.id === undefined
            ? await prov.create(urn, name, type, checked, true)
            : await prov.update(urn, name, type, step.id, toProviderObject(old!.outputs), checked, oldInputs, true));
      } catch (e) {
        op.fail(name, { ...base, id: step.id }, `${step.id === undefined ? "create" : "update"} (preview): ${errMessage(e)}`);
        throw e;
      }
      return record(step.id, secretOutputs(properties, checkedEngine, additionalSecretOutputs));
    }
    case "same":
      op.live.upsert({ ...entryBase, id: old!.id, inputs: step.inputs === "old" ? old!.inputs : checkedEngine, outputs: old!.outputs });
      op.persist();
      return record(old!.id, old!.outputs);
    case "update": {
      let properties;
      try {
        ({ properties } = await prov.update(urn, name, type, old!.id ?? "", toProviderObject(old!.outputs), checked, oldInputs));
      } catch (e) {
        writeFailed(e, old!.id);
        throw e;
      }
      const outputs = secretOutputs(properties, checkedEngine, additionalSecretOutputs);
      op.live.upsert({ ...entryBase, id: old!.id, inputs: checkedEngine, outputs });
      op.persist();
      return record(old!.id, outputs);
    }
    case "delete-replaced": {
      const current = op.live.find(urn);
      try {
        // retainOnDelete (DeleteStep.Apply): the old object is left where it is, only its state entry goes
        if (!step.retain) await prov.delete(urn, name, type, old!.id ?? "", toProviderObject(old!.outputs), oldInputs);
      } catch (e) {
        op.fail(name, { ...base, id: old!.id }, `delete (before replace): ${errMessage(e)}`);
        throw e;
      }
      op.live.remove(current);
      op.persist();
      return undefined;
    }
    case "create": {
      let created;
      try {
        created = await prov.create(urn, name, type, checked);
      } catch (e) {
        writeFailed(e, undefined);
        throw e;
      }
      const outputs = secretOutputs(created.properties, checkedEngine, additionalSecretOutputs);
      if (step.pendDeleteOld) op.live.pendDelete(urn); // deleted after the program completes
      op.live.upsert({ ...entryBase, id: created.id, inputs: checkedEngine, outputs });
      op.persist();
      return record(created.id, outputs);
    }
  }
}

/**
 * The outputs as the engine records them: the same-name rule against the checked inputs (nested),
 * then every `additionalSecretOutputs` key (step_executor.go; `id` cannot be made secret).
 */
function secretOutputs(props: JsonObject, checkedEngine: JsonObject, additionalSecretOutputs: readonly string[]): JsonObject {
  return markSecrets(
    annotateSecrets(props, checkedEngine),
    additionalSecretOutputs.filter((k) => k !== "id"),
  );
}

/** A failed Create or Update; an ErrorResourceInitFailed means the object exists: it stays in state (with its id) so the next up updates it. */
function handleWriteError(
  op: Operation,
  e: unknown,
  base: Base,
  entryBase: Omit<StateResource, "inputs" | "outputs">,
  checkedEngine: JsonObject,
  additionalSecretOutputs: readonly string[],
  oldId: string | undefined,
): void {
  const init = e instanceof ProviderCallError ? e.initFailure : undefined;
  const method = e instanceof ProviderCallError ? e.method.toLowerCase() : "operation";
  if (init) {
    op.live.upsert({
      ...entryBase,
      id: init.id || oldId,
      inputs: checkedEngine,
      outputs: secretOutputs(init.properties, checkedEngine, additionalSecretOutputs),
      initErrors: init.reasons,
    });
    op.persist();
  }
  op.fail(base.name, { ...base, id: init?.id || oldId }, `${method}: ${errMessage(e)}`);
}

/**
 * The `import` resource option (ImportStep in pkg/resource/deploy/step.go, non-planned): the
 * provider's Read gets only the id (no properties, no inputs), so a dynamic provider, which finds
 * its code in `__provider`, cannot serve it. A Read that returns no inputs fails the import with
 * the engine's message. Otherwise the read state becomes the old state the registration is diffed
 * against (continueStepsFromImport).
 */
async function importRead(op: Operation, base: Base, importId: string): Promise<StateResource> {
  const { urn, type, name } = base;
  const failure = { ...base, id: importId };
  let res;
  try {
    res = await op.provider.read(urn, name, type, importId, {}, {});
  } catch (e) {
    op.fail(name, failure, `import: read: ${errMessage(e)}`);
    throw e;
  }
  const fail = (message: string) => {
    op.fail(name, failure, message);
    return new Error(message);
  };
  if (!res.id && Object.keys(res.properties).length === 0) throw fail(`resource '${importId}' does not exist`);
  if (!res.inputs) throw fail(`provider does not support importing resources; please try updating the '${type.split(":")[0]}' plugin`);
  return { urn, type, name, id: res.id || importId, inputs: res.inputs, outputs: res.properties, dependencies: [], importId };
}

/**
 * `Resource.get(name, id)` / `opts.id`: the CLI's ReadStep. It runs in previews too; an unknown id
 * gives empty outputs; the provider's Read gets the registration's properties as both inputs and
 * state; an empty id back is the engine's error "resource '<id>' does not exist". The resource
 * lands in state as external: destroy and a program that no longer reads it drop it from state
 * without calling Delete. A failed read is an error of the operation (reported in the summary).
 * The CLI also fails the program's read; here the program gets empty outputs instead, because the
 * SDK would turn the error into unhandled rejections of every output, which jest reports as a
 * test failure.
 */
export async function readExternal(op: Operation, req: ReadRequest): Promise<JsonObject> {
  const { urn, type, name, parent, id, inputs } = req;
  const base = { urn, type, name, id };
  if (op.registered.has(urn)) {
    op.fail(name, base, `duplicate resource URN ${urn}`);
    return {};
  }
  op.registered.add(urn);
  if (!isManaged(type, op.plugin)) {
    op.fail(
      name,
      base,
      `harness: only ${op.plugin === undefined ? "dynamic resources" : `the ${op.plugin} plugin's resources`} can be read, got ${type}`,
    );
    return {};
  }
  if (op.stopping) {
    op.failedUrns.add(urn);
    op.skip(name, base);
    return {};
  }
  return op.sem.run(async () => {
    if (id === UNKNOWN) {
      op.results[name] = { ...base, op: "read" };
      return {};
    }
    let res;
    try {
      res = await op.provider.read(urn, name, type, id, toProviderObject(inputs), toProviderObject(inputs));
    } catch (e) {
      op.failedUrns.add(urn);
      op.fail(name, base, `read: ${errMessage(e)}`);
      return {};
    }
    if (!res.id) {
      // provider_plugin.go Read: an empty id is "missing" (nil outputs); ReadStep then fails with this
      op.failedUrns.add(urn);
      op.fail(name, base, `resource '${id}' does not exist`);
      return {};
    }
    const outputs = markSecrets(annotateSecrets(res.properties, inputs), req.additionalSecretOutputs);
    const entry: StateResource = {
      urn,
      type,
      name,
      ...(parent ? { parent } : {}),
      id: res.id,
      inputs,
      outputs,
      dependencies: req.dependencies,
      external: true,
    };
    if (!op.preview) {
      op.live.upsert(entry);
      op.persist();
    }
    op.emit("read", urn, undefined, entry);
    op.results[name] = { ...base, id: res.id, op: "read" };
    return outputs;
  });
}

/** A resource whose registration failed before reaching the monitor (its inputs rejected). */
export function registrationPrepareFailed(op: Operation, name: string, type: string, err: unknown): void {
  if (op.results[name]?.op === "failed") return;
  op.fail(name, { urn: "", type, name }, `not registered: ${errMessage(err)}`);
}
