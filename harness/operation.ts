/**
 * One operation's bookkeeping (an up, preview, refresh or destroy): the provider process it calls,
 * the live state its steps change, what each resource did, the errors and warnings, the bound on
 * resource operations at once, the step events and the summary. The executor (harness/executor.ts)
 * records into it; the engine (harness/engine.ts) creates one per operation.
 */
import type { ProviderConnection } from "./provider-connection";
import { LiveState, type StateStore } from "./state-store";
import type { EngineOptions, ResourceOp, ResourceResult, StateResource, StepEvent, Summary } from "./types";
import { STACK_TYPE } from "./planner";
import { toProviderObject, type JsonObject } from "./values";

export type Kind = Summary["op"];

export function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

export function errMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** At most `max` holders at once (the CLI's `--parallel`). */
export class Semaphore {
  private active = 0;
  private waiting: (() => void)[] = [];
  /** Most holders at once so far. */
  peak = 0;
  constructor(private readonly max: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    this.peak = Math.max(this.peak, this.active);
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`harness: timed out after ${ms}ms waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

type ResultBase = Omit<ResourceResult, "op" | "error">;

export class Operation {
  readonly results: Record<string, ResourceResult> = {};
  readonly errors: { name: string; message: string }[] = [];
  /** Warnings the engine itself prints (not the provider's stderr), e.g. a preview of a replace that names an import id. */
  readonly warnings: string[] = [];
  /** The stack's outputs, as the program registered them. */
  outputs: Record<string, unknown> = {};
  readonly live: LiveState;
  /** The registered resources of the old state by URN (an external (read) resource is not the old state of a registration). */
  readonly old = new Map<string, StateResource>();
  /** URNs registered or read in this operation. */
  readonly registered = new Set<string>();
  /** URNs that failed or were skipped: their dependents do not start. */
  readonly failedUrns = new Set<string>();
  readonly sem: Semaphore;
  /** Set by the first failure; with `continueOnError` off, nothing new starts after it. */
  private halted = false;

  constructor(
    readonly kind: Kind,
    readonly provider: ProviderConnection,
    resources: StateResource[],
    private readonly opts: EngineOptions,
    private readonly store: StateStore,
    parallel: number,
    /** A dry run: nothing is written (preview, and the preview pass of a refresh). */
    readonly preview: boolean = kind === "preview",
  ) {
    this.sem = new Semaphore(parallel);
    this.live = new LiveState(resources);
    for (const r of resources) if (!r.delete && !r.external) this.old.set(r.urn, clone(r));
  }

  /** The plugin's package when the engine runs a provider plugin (`EngineOptions.plugin`), else undefined (dynamic resources). */
  get plugin(): string | undefined {
    return this.opts.plugin?.package;
  }

  get continueOnError(): boolean {
    return this.opts.continueOnError === true;
  }

  /** True once a resource failed and the operation must not start anything new (the CLI's default). */
  get stopping(): boolean {
    return this.halted && !this.continueOnError;
  }

  /** Bound on each phase: program run, registrations, deletes, reads. */
  get timeout(): number {
    return this.opts.opTimeoutMs ?? 45_000;
  }

  get state(): StateResource[] {
    return this.live.entries;
  }

  /** A checkpoint of the live state (not in a dry run). */
  persist(): void {
    if (!this.preview) this.store.checkpoint(this.live.entries);
  }

  fail(name: string, base: ResultBase, message: string): void {
    this.halted = true;
    this.results[name] = { ...base, op: "failed", error: message };
    this.errors.push({ name, message });
  }

  skip(name: string, base: ResultBase): void {
    if (!this.results[name]) this.results[name] = { ...base, op: "skipped" };
  }

  /** Reports a step to EngineOptions.onStep (copies: the listener may keep them). */
  emit(op: StepEvent["op"], urn: string, old: StateResource | undefined, neu: StepEvent["new"]): void {
    const listener = this.opts.onStep;
    if (listener) listener(clone({ op, urn, ...(old ? { old } : {}), ...(neu ? { new: neu } : {}) }));
  }

  /** The program's `registerOutputs`: the entry takes them; the stack's are the operation's outputs. */
  registerOutputs(urn: string, outputs: JsonObject): void {
    const entry = this.live.find(urn);
    if (!entry) return;
    entry.outputs = outputs;
    if (entry.type === STACK_TYPE) {
      this.outputs = toProviderObject(outputs) as Record<string, unknown>;
      this.persist();
    }
  }

  summary(): Summary {
    const count = (...ops: ResourceOp[]) => Object.values(this.results).filter((r) => ops.includes(r.op)).length;
    const stderr = this.provider.stderr;
    return {
      op: this.kind,
      creates: count("create"),
      updates: count("update", "refresh-update"),
      replaces: count("replace"),
      deletes: count("delete", "refresh-delete"),
      sames: count("same"),
      errors: this.errors,
      resources: this.results,
      outputs: this.outputs,
      grpc: { ...this.provider.calls },
      peakParallel: this.sem.peak,
      stderr,
      warnings: [...this.warnings.map((w) => `warning: ${w}`), ...stderr.split("\n").filter((l) => /warning/i.test(l))],
    };
  }
}
