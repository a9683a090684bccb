/**
 * The engine's state: `StateStore` keeps it between operations (a JSON file, or memory) and writes
 * checkpoints during one; `LiveState` is the list of resources an operation changes as its steps
 * complete (Pulumi's snapshot manager, pkg/backend/snapshot.go, plays both parts for the CLI).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { EngineState, StateResource } from "./types";
import { decryptSecrets, encryptSecrets, type Json, type JsonObject } from "./values";

const EMPTY_STATE = JSON.stringify({ resources: [] }, null, 2);

export class StateStore {
  private memState = EMPTY_STATE;
  private pendingCheckpoint?: StateResource[];
  private lastCheckpoint = 0;
  /** How long the last checkpoint took to write (ms). */
  private lastCheckpointCost = 0;
  /**
   * The config saved with the resources (engine form; see EngineState.config), set for each
   * operation that writes state.
   */
  config?: JsonObject;

  /**
   * @param stateFile where the state lives between operations (and Engine instances); none: memory.
   * @param checkpointMs least time between two checkpoints during an operation (0: after every step).
   */
  constructor(
    private readonly stateFile: string | undefined,
    private readonly checkpointMs: number,
  ) {}

  /** The exact JSON written (secrets as ciphertext). */
  text(): string {
    if (this.stateFile) return fs.existsSync(this.stateFile) ? fs.readFileSync(this.stateFile, "utf8") : EMPTY_STATE;
    return this.memState;
  }

  /** The state with its secrets decrypted. */
  load(): { resources: StateResource[]; config?: JsonObject } {
    const parsed = JSON.parse(this.text()) as EngineState;
    return {
      resources: (parsed.resources ?? []).map((r) => decryptSecrets(r as unknown as Json) as unknown as StateResource),
      config: parsed.config ? (decryptSecrets(parsed.config) as JsonObject) : undefined,
    };
  }

  /**
   * A checkpoint during an operation: written at most every `checkpointMs`, so a 900-resource
   * stack does not rewrite the whole state 900 times; the operation always writes the final state
   * when it ends, successful or not (`write`, `flush`). A write that takes long (a large state:
   * 20 MB at 9,000 resources) spaces the next one out to ten times its cost, so checkpoints take at
   * most a tenth of the operation whatever the state's size (at a fixed interval their cost grows
   * with the square of the stack's size).
   */
  checkpoint(resources: StateResource[]): void {
    const now = Date.now();
    const every = this.checkpointMs;
    if (now - this.lastCheckpoint >= (every === 0 ? 0 : Math.max(every, 10 * this.lastCheckpointCost))) {
      this.write(resources);
      this.lastCheckpointCost = Date.now() - now;
      this.lastCheckpoint = Date.now();
    } else {
      this.pendingCheckpoint = resources;
    }
  }

  /** Writes a checkpoint that is still waiting for its interval. */
  flush(): void {
    if (this.pendingCheckpoint) this.write(this.pendingCheckpoint);
  }

  /** Writes the state now (secrets encrypted; the saved config only while there are resources). */
  write(resources: StateResource[]): void {
    this.pendingCheckpoint = undefined;
    const body: Record<string, Json> = { resources: resources.map((r) => encryptSecrets(r as unknown as Json)) };
    if (this.config && resources.length > 0) body.config = encryptSecrets(this.config);
    const text = JSON.stringify(body, null, 2);
    if (this.stateFile) {
      const tmp = `${this.stateFile}.tmp-${process.pid}`;
      fs.mkdirSync(path.dirname(this.stateFile), { recursive: true });
      fs.writeFileSync(tmp, text);
      fs.renameSync(tmp, this.stateFile);
    } else {
      this.memState = text;
    }
  }
}

/**
 * The resources of an operation in progress, in state order, with an index of each URN's live
 * (not pending-delete) entry. Every registration looks its URN up; a scan per registration made an
 * operation quadratic in the stack (81 M comparisons at 9,000 resources). The index is rebuilt
 * after a removal shifts positions.
 */
export class LiveState {
  private index: Map<string, number> | undefined;

  constructor(readonly entries: StateResource[]) {}

  private positions(): Map<string, number> {
    if (!this.index) {
      const index = new Map<string, number>();
      this.entries.forEach((r, i) => {
        if (!r.delete) index.set(r.urn, i);
      });
      this.index = index;
    }
    return this.index;
  }

  /** The URN's live entry. */
  find(urn: string): StateResource | undefined {
    const i = this.positions().get(urn);
    return i === undefined ? undefined : this.entries[i];
  }

  /** Puts `entry` in the place of its URN's live entry, or at the end. */
  upsert(entry: StateResource): void {
    const at = this.positions();
    const i = at.get(entry.urn);
    if (i !== undefined) this.entries[i] = entry;
    else at.set(entry.urn, this.entries.push(entry) - 1);
  }

  /** Puts `updated` in the place of `entry` (a refreshed entry, or one renamed by an alias). */
  replace(entry: StateResource, updated: StateResource): void {
    const i = this.entries.indexOf(entry);
    if (i < 0) return;
    this.entries[i] = updated;
    if (updated.urn !== entry.urn) this.index = undefined;
  }

  remove(entry: StateResource | undefined): void {
    const i = entry ? this.entries.indexOf(entry) : -1;
    if (i < 0) return;
    this.entries.splice(i, 1);
    this.index = undefined;
  }

  /** Create-before-delete: the URN's entry is deleted after the program; the replacement becomes its live entry. */
  pendDelete(urn: string): void {
    const current = this.find(urn);
    if (!current) return;
    current.delete = true;
    this.index?.delete(urn);
  }
}
