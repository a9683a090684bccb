/**
 * The engine's public types: its options, the state it keeps, and what an operation reports.
 * harness/index.ts re-exports them; harness/README.md describes the behaviour behind them.
 */
import type { ProviderConnection } from "./provider-connection";
import type { ProviderProcessOptions } from "./provider-process";
import type { JsonObject } from "./values";

export interface EngineOptions {
  /** Least time between two state checkpoints written during an operation, in ms (default 250; 0: after every step). */
  checkpointMs?: number;
  /** JSON state persisted between operations (and between Engine instances); default: in memory. */
  stateFile?: string;
  /** Stack config sent in Configure args, namespaced keys, e.g. {"veza:url": "..."}. */
  config?: Record<string, string>;
  /** Config keys sent as secrets (wrapped the way the engine wraps secrets). */
  secretConfigKeys?: string[];
  /** Environment of the provider process (merged over process.env; undefined deletes a variable). */
  env?: Record<string, string | undefined>;
  /**
   * Where each operation's provider runs: by default a dynamic-provider process of its own, as under
   * the CLI (`ProviderProcess.forOperation`). Tests of resource behaviour pass
   * tests/support/in-process.ts's host: the same server code, in the test process.
   */
  providerHost?: (options: ProviderProcessOptions) => ProviderConnection;
  /** Working dir of the provider process (default: the repo root). */
  cwd?: string;
  project?: string;
  stack?: string;
  /** Max concurrent resource operations, like the CLI's `--parallel` (default: `PULUMI_PARALLEL`, else 4 × cores; see `engineParallel`). */
  parallel?: number;
  /** Bound on every single gRPC call (default 60 s). */
  callTimeoutMs?: number;
  /** Bound on each phase of an operation: program run, registrations, deletes, reads (default 45 s). */
  opTimeoutMs?: number;
  /**
   * Like the CLI's `--continue-on-error`: keep going after a failed resource (dependents of the
   * failed one are skipped and reported, independent resources go through). Default false: like
   * the CLI, no new operation starts after the first failure; operations in flight complete.
   */
  continueOnError?: boolean;
  /**
   * `refresh` runs every read twice, like `pulumi refresh` without `--skip-preview` (a preview
   * pass in its own provider process, then the refresh). Default false (`--skip-preview`).
   */
  refreshWithPreview?: boolean;
  /**
   * Called with every step of an up or preview (the CLI's step events: op, URN, old and new state);
   * harness/preview-json.ts turns them into `pulumi preview --json`'s document.
   */
  onStep?: (step: StepEvent) => void;
  /**
   * A resource provider plugin instead of the dynamic provider: the custom resources of its package
   * (type `<package>:…`) are its, and it is configured the way the CLI configures a package's
   * default provider. Default: dynamic resources and the dynamic-provider server.
   */
  plugin?: PluginServer;
}

/**
 * How the engine gets a provider plugin's ResourceProvider service: `serve` starts a fresh one for
 * each operation (the CLI starts a plugin process per deployment) and says where it listens.
 */
export interface PluginServer {
  /** The package (`veza`): resource types `veza:index:…`, config keys `veza:…`. */
  package: string;
  /** Starts a fresh server; what it would print on its stderr goes to `stderr` (warnings are read from it). */
  serve(stderr: (text: string) => void): Promise<{ address: string; stop(): Promise<void> }>;
}

/** A step as the CLI's engine reports it (ResourcePreEvent metadata): its op and the states before and after. */
export interface StepEvent {
  op: "same" | "create" | "update" | "replace" | "delete" | "delete-replaced" | "read";
  urn: string;
  old?: StateResource;
  /** The new state, with the registration's per-property dependencies (the CLI keeps them in state; the engine does not). */
  new?: StateResource;
}

export type Program = () => unknown | Promise<unknown>;

export interface UpOptions {
  /** `pulumi up --refresh`: refresh every resource in state first, then run the program. */
  refresh?: boolean;
}

export type ResourceOp =
  | "create"
  | "update"
  | "replace"
  | "delete"
  | "same"
  | "read"
  | "refresh-update"
  | "refresh-delete"
  /** The `import` option: the object was read by its id and taken into state (an update may follow, `changes`). */
  | "import"
  | "failed"
  /** Not started: an earlier resource failed and the operation stopped (no `continueOnError`). */
  | "skipped";

export interface ResourceResult {
  urn: string;
  type: string;
  name: string;
  op: ResourceOp;
  id?: string;
  changes?: boolean;
  replaces?: string[];
  /**
   * For an update or replace: the keys the CLI's row names (`[diff: ~labels]`). A dynamic provider
   * sends no detailed diff, so the CLI compares the old inputs with the new ones.
   */
  diffKeys?: string[];
  error?: string;
}

export interface Summary {
  op: "up" | "preview" | "refresh" | "destroy";
  creates: number;
  updates: number;
  replaces: number;
  deletes: number;
  sames: number;
  errors: { name: string; message: string }[];
  resources: Record<string, ResourceResult>;
  outputs: Record<string, unknown>;
  grpc: Record<string, number>;
  /** Most resource operations the engine ran at once (bounded by `parallel`). */
  peakParallel: number;
  stderr: string;
  warnings: string[];
  /** `up --refresh`: what the refresh before the program did. */
  refresh?: Summary;
}

export interface StateResource {
  urn: string;
  type: string;
  name: string;
  id?: string;
  parent?: string;
  inputs: JsonObject;
  outputs: JsonObject;
  dependencies: string[];
  /** The registration's dependencies per input property (the CLI's state keeps them too). */
  propertyDependencies?: Record<string, string[]>;
  initErrors?: string[];
  /** A replaced resource whose deletion is still pending (create-before-delete). */
  delete?: boolean;
  /** The registration's `additionalSecretOutputs`, applied again when a refresh reads new outputs. */
  additionalSecretOutputs?: string[];
  /** The id the `import` option named, while the program still names it (the CLI's ImportID). */
  importId?: string;
  /** The `retainOnDelete` option: deleting (also the delete half of a replace) only drops the entry from state. */
  retainOnDelete?: boolean;
  /** Read with `Resource.get` / `opts.id`: never deleted by the engine, only dropped from state. */
  external?: boolean;
}

export interface EngineState {
  resources: StateResource[];
  /**
   * The stack config the last `up` configured the provider with (engine form: secret values
   * wrapped, encrypted in the file), as the CLI keeps it in the default provider's state entry.
   * `refresh` and `destroy` configure the provider from it.
   */
  config?: JsonObject;
}
