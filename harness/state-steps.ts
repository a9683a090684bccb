/**
 * The steps that start from the state rather than from the program (pkg/resource/deploy's
 * DeleteStep and RefreshStep): deleting the resources an `up` no longer declares, the replaced
 * ones pending deletion and a destroy's; reading every resource for a refresh. As in
 * harness/executor.ts, the planner (harness/planner.ts) decides and this module calls the provider.
 */
import { errMessage, withTimeout, type Operation } from "./operation";
import { changedKeys, deleteAction, isManaged, readyToDelete, refreshChanged, upDeletes } from "./planner";
import type { StateResource } from "./types";
import { annotateSecrets, markSecrets, toProviderObject } from "./values";

// ---- deletes (up's removed resources, pending replaced resources, destroy) ------------------------

/** Deletes `entries`, dependents first; `counted` entries count as deletes in the summary. */
export async function deleteAll(op: Operation, entries: StateResource[], counted: (e: StateResource) => boolean): Promise<void> {
  const remaining = new Set(entries);
  const failed = new Set<StateResource>();
  while (remaining.size > 0) {
    if (op.stopping) break; // the rest stays in state; the CLI reports only the failure
    const ready = readyToDelete([...remaining], [...failed]);
    if (ready.length === 0) {
      for (const e of remaining) {
        if (!isManaged(e.type, op.plugin)) continue; // the stack / components just stay
        op.fail(
          e.name,
          { urn: e.urn, type: e.type, name: e.name, id: e.id },
          "not deleted: a resource that depends on it could not be deleted",
        );
      }
      break;
    }
    const deleteOne = async (e: StateResource) => {
      if (op.stopping) return;
      remaining.delete(e);
      if (deleteAction(e, op.plugin) === "delete") {
        try {
          await op.provider.delete(e.urn, e.name, e.type, e.id ?? "", toProviderObject(e.outputs), toProviderObject(e.inputs));
        } catch (err) {
          failed.add(e);
          op.fail(e.name, { urn: e.urn, type: e.type, name: e.name, id: e.id }, `delete: ${errMessage(err)}`);
          return;
        }
        if (counted(e)) op.results[e.name] = { urn: e.urn, type: e.type, name: e.name, op: "delete", id: e.id };
        op.emit(e.delete ? "delete-replaced" : "delete", e.urn, e, undefined);
      }
      op.live.remove(e);
      op.persist();
    };
    await withTimeout(Promise.all(ready.map((e) => op.sem.run(() => deleteOne(e)))), op.timeout, "deletes");
  }
}

/** The delete phase of an `up` (see `upDeletes`). */
export async function deletePhase(op: Operation): Promise<void> {
  const { entries, counted } = upDeletes(op.state, op.registered, op.errors.length > 0, op.continueOnError);
  await deleteAll(op, entries, counted);
}

/** A preview's deletes: registered resources of the old state the program no longer declares. */
export function previewDeletes(op: Operation): void {
  for (const r of op.old.values()) if (isManaged(r.type, op.plugin) && !op.registered.has(r.urn)) op.emit("delete", r.urn, r, undefined);
}

// ---- refresh ----------------------------------------------------------------------------------

/** Reads every custom resource the engine runs in state (`Read(id, state = outputs, inputs)`); an empty id removes it. */
export async function refresh(op: Operation): Promise<void> {
  const refreshOne = async (e: StateResource) => {
    if (op.stopping) return;
    const base = { urn: e.urn, type: e.type, name: e.name, id: e.id };
    let res;
    try {
      res = await op.provider.read(e.urn, e.name, e.type, e.id ?? "", toProviderObject(e.outputs), toProviderObject(e.inputs));
    } catch (err) {
      op.fail(e.name, base, `read: ${errMessage(err)}`);
      return;
    }
    if (!res.id) {
      if (!op.preview) {
        op.live.remove(e);
        op.persist();
      }
      if (!e.delete) op.results[e.name] = { ...base, op: "refresh-delete" };
      return;
    }
    const updated: StateResource = {
      ...e,
      id: res.id,
      // provider_plugin.go Read: secretness by the same-name rule from the old outputs and
      // inputs; then the state's additionalSecretOutputs (step_executor.go)
      outputs: markSecrets(annotateSecrets(res.properties, e.outputs), e.additionalSecretOutputs ?? []),
      inputs: res.inputs ? annotateSecrets(res.inputs, e.inputs) : e.inputs,
    };
    const seen = {
      external: e.external === true,
      oldOutputs: toProviderObject(e.outputs),
      newOutputs: toProviderObject(updated.outputs),
      stateInputs: toProviderObject(e.inputs),
      readInputs: toProviderObject(updated.inputs),
    };
    let changed: boolean;
    try {
      // what an `up` of the unchanged program would do now: olds = refreshed outputs and inputs, news = the inputs in state
      const diff = seen.external
        ? undefined
        : await op.provider.diff(e.urn, e.name, e.type, res.id, seen.newOutputs, seen.stateInputs, seen.readInputs);
      changed = refreshChanged(seen, diff);
    } catch (err) {
      op.fail(e.name, base, `diff: ${errMessage(err)}`);
      return;
    }
    if (!op.preview) {
      op.live.replace(e, updated);
      op.persist();
    }
    // the CLI's display names the top-level inputs the read changed (`[diff: ~labels]`)
    const diffKeys = changed ? changedKeys(seen.stateInputs, seen.readInputs) : [];
    if (!e.delete)
      op.results[e.name] = { ...base, id: res.id, op: changed ? "refresh-update" : "same", ...(diffKeys.length ? { diffKeys } : {}) };
  };
  const targets = op.state.filter((r) => isManaged(r.type, op.plugin));
  await withTimeout(Promise.all(targets.map((e) => op.sem.run(() => refreshOne(e)))), op.timeout, "refresh reads");
}
