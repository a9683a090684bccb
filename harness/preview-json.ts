/**
 * What `pulumi preview --json` prints, from the test engine's steps (EngineOptions.onStep): the
 * CLI's PreviewDigest (pulumi/pulumi pkg/backend/display/json.go ShowPreviewDigest), each state
 * written like `stack.SerializeResource` after `stateForJSONOutput`:
 *
 * - a value not known yet is the string 04da6b54-80e4-46f7-96ec-b56ff0331ba9 (computedValuePlaceholder);
 * - a secret is the string "[secret]" (MassageSecrets with showSecrets false);
 * - `same` steps only with `showSames` (--show-sames); the root stack's step always (isRootStack);
 * - no `id` when it is empty (a preview's create), empty maps and lists left out (omitempty);
 * - `detailedDiff` is always there (null: the engine computes no detailed diff).
 *
 * Also `stackExport`: the engine's state as `pulumi stack export` writes it (secrets as ciphertext
 * objects), for `pulumi-veza impact --state`.
 *
 * Not modelled: the default provider's own state (it is a step here, with no inputs), `created` /
 * `modified` times, `sourcePosition` / `stackTrace`, and diffReasons (always empty for a dynamic
 * resource). The order of `dependencies` is the engine's hash set's in the CLI (arbitrary).
 */
import type { StateResource, StepEvent } from "./types";
import { OUTPUT_VALUE_SIG, RESOURCE_SIG, SECRET_SIG, SIG_KEY, UNKNOWN, type Json, type JsonObject } from "./values";

const SECRET_TEXT = "[secret]";
const STACK_TYPE = "pulumi:pulumi:Stack";
const PROVIDER_TYPE = "pulumi:providers:pulumi-nodejs";
/** The default provider's id in the digests (the CLI's is a random UUID). */
const PROVIDER_ID = "5e1d7c1a-0000-4000-8000-000000000001";

/** Collects an engine's steps (pass `onStep` in EngineOptions); `take` hands over those of the last operation. */
export class StepRecorder {
  private steps: StepEvent[] = [];
  readonly onStep = (s: StepEvent): void => {
    this.steps.push(s);
  };
  take(): StepEvent[] {
    const out = this.steps;
    this.steps = [];
    return out;
  }
}

export interface DigestOptions {
  /** `--show-sames`: include `same` steps of resources other than the root stack. */
  showSames: boolean;
  /** The stack config the program saw (namespaced keys); secret keys are written as "[secret]". */
  config?: Record<string, string>;
  secretConfigKeys?: string[];
  /** Nanoseconds, as Go writes a time.Duration. */
  durationNs?: number;
}

type Mode = "preview" | "state";

/** A property value as the CLI writes it: secrets blinded (preview) or encrypted objects (state). */
function serialize(v: Json, mode: Mode): Json {
  if (Array.isArray(v)) return v.map((x) => serialize(x, mode));
  if (v === null || typeof v !== "object") return v;
  const sig = v[SIG_KEY];
  if (sig === SECRET_SIG) {
    if (mode === "preview") return SECRET_TEXT;
    if ("ciphertext" in v) return v;
    return { [SIG_KEY]: SECRET_SIG, ciphertext: Buffer.from(JSON.stringify(v.value ?? null)).toString("base64") };
  }
  if (sig === OUTPUT_VALUE_SIG) {
    // SerializePropertyValue keeps an output value's element (unknown: the placeholder; secret: a secret)
    const inner: Json = "value" in v ? serialize(v.value, mode) : UNKNOWN;
    return v.secret === true ? serialize({ [SIG_KEY]: SECRET_SIG, value: inner }, mode) : inner;
  }
  if (sig === RESOURCE_SIG) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) out[k] = serialize(x, mode);
  return out;
}

const nonEmpty = <T extends object>(v: T | undefined): Json | undefined =>
  v && Object.keys(v).length > 0 ? (v as unknown as Json) : undefined;
const isCustom = (type: string) => type !== STACK_TYPE && !type.startsWith("pulumi:providers:") && type.startsWith("pulumi-nodejs:");

function providerUrn(urn: string): string {
  const [, stackAndProject] = urn.split("urn:pulumi:");
  const [stack, project] = (stackAndProject ?? "").split("::");
  return `urn:pulumi:${stack}::${project}::${PROVIDER_TYPE}::default`;
}

/** apitype.ResourceV3, in the field order Go writes it. */
export function resourceV3(r: StateResource, mode: Mode = "preview"): JsonObject {
  const custom = isCustom(r.type);
  const out: Record<string, Json | undefined> = {
    urn: r.urn,
    custom,
    delete: r.delete || undefined,
    id: r.id || undefined,
    type: r.type,
    inputs: nonEmpty(serialize(r.inputs, mode) as JsonObject),
    outputs: nonEmpty(serialize(r.outputs, mode) as JsonObject),
    parent: r.parent || undefined,
    external: r.external || undefined,
    dependencies: nonEmpty(r.dependencies),
    initErrors: nonEmpty(r.initErrors),
    provider: custom ? `${providerUrn(r.urn)}::${PROVIDER_ID}` : undefined,
    propertyDependencies: nonEmpty(r.propertyDependencies),
  };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as JsonObject;
}

/**
 * A preview step's new state as the CLI writes it: the registration's goal (inputs, dependencies),
 * with no id and no outputs whatever the step — a same, an update, the root stack
 * (tests/real-cli/differential.test.ts compares this with the CLI's own document).
 */
function newStateOf(r: StateResource): JsonObject {
  return resourceV3({ ...r, id: undefined, outputs: {} });
}

/** The document `pulumi preview --json [--show-sames]` prints for these steps. */
export function previewDigest(steps: StepEvent[], o: DigestOptions): JsonObject {
  const out: JsonObject[] = [];
  const summary: Record<string, number> = {};
  const stack = steps.find((s) => s.new?.type === STACK_TYPE || s.old?.type === STACK_TYPE);
  const typeOf = (s: StepEvent) => (s.new ?? s.old)!.type;
  const custom = steps.filter((s) => isCustom(typeOf(s)));
  // every resource but the root stack, in step order (components too, with no provider)
  const resources = steps.filter((s) => s !== stack);
  const step = (s: { op: string; urn: string; provider?: string; old?: JsonObject; new?: JsonObject }): JsonObject => {
    const j: JsonObject = { op: s.op, urn: s.urn };
    if (s.provider) j.provider = s.provider;
    if (s.old) j.oldState = s.old;
    if (s.new) j.newState = s.new;
    j.detailedDiff = null;
    return j;
  };
  const count = (op: string) => (summary[op] = (summary[op] ?? 0) + 1);
  if (stack) {
    count(stack.op);
    out.push(step({ op: stack.op, urn: stack.urn, old: stack.old && resourceV3(stack.old), new: stack.new && newStateOf(stack.new) }));
  }
  if (custom.length) {
    // the default provider: a resource of the CLI's state, created with the first custom resource
    const urn = providerUrn(custom[0]!.urn);
    const existed = custom.some((s) => s.old);
    const state: JsonObject = { urn, custom: true, id: existed ? PROVIDER_ID : UNKNOWN, type: PROVIDER_TYPE };
    const op = existed ? "same" : "create";
    count(op);
    if (op !== "same" || o.showSames) out.push(step({ op, urn, old: existed ? state : undefined, new: state }));
  }
  for (const s of resources) {
    // the delete half of a replacement is not a logical step: counted and shown as the replace
    if (s.op === "delete-replaced") continue;
    count(s.op);
    if (s.op === "same" && !o.showSames) continue;
    out.push(
      step({
        op: s.op,
        urn: s.urn,
        provider: isCustom(typeOf(s)) ? `${providerUrn(s.urn)}::${PROVIDER_ID}` : undefined,
        old: s.old && resourceV3(s.old),
        new: s.op === "delete" ? undefined : s.new && newStateOf(s.new),
      }),
    );
  }
  const digest: JsonObject = {};
  if (o.config && Object.keys(o.config).length) {
    const secret = new Set(o.secretConfigKeys ?? []);
    digest.config = Object.fromEntries(Object.entries(o.config).map(([k, v]) => [k, secret.has(k) ? SECRET_TEXT : v]));
  }
  if (out.length) digest.steps = out;
  if (o.durationNs) digest.duration = o.durationNs;
  if (Object.keys(summary).length) digest.changeSummary = summary;
  return digest;
}

/** The text the CLI prints: json.MarshalIndent with four spaces. */
export function previewJsonText(steps: StepEvent[], o: DigestOptions): string {
  return `${JSON.stringify(previewDigest(steps, o), null, 4)}\n`;
}

/** The engine's state as `pulumi stack export` writes it (version 3; secrets as ciphertext objects). */
export function stackExport(resources: StateResource[]): JsonObject {
  return {
    version: 3,
    deployment: {
      manifest: { time: "1970-01-01T00:00:00Z", magic: "", version: "v3" },
      secrets_providers: { type: "passphrase" },
      resources: resources.map((r) => resourceV3(r, "state")),
    },
  };
}
