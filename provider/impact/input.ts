/**
 * What `pulumi-veza impact` reads: the JSON document `pulumi preview --json --show-sames` prints (a
 * `PreviewDigest`, pulumi/pulumi pkg/display/json.go) and, optionally, a `pulumi stack export`
 * (an `UntypedDeployment` of `apitype.DeploymentV3`). Both carry resources as `apitype.ResourceV3`,
 * written by `stack.SerializeResource`: a value not known yet is the string UNKNOWN, a secret is the
 * string SECRET in a preview (`display.MassageSecrets`) and an encrypted object in a stack export.
 */
import { z } from "zod";

/** `stack.computedValuePlaceholder`: how the CLI writes a value a preview does not know yet. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** How `pulumi preview --json` writes a secret (it never shows secrets in JSON). */
export const SECRET = "[secret]";
/** The signature key and secret signature of a secret in a state file (`pulumi stack export`). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";

/** The type token of this provider's resources: `pulumi-nodejs:dynamic/veza:<Kind>`. */
export const VEZA_TYPE_PREFIX = "pulumi-nodejs:dynamic/veza:";

/** Property values: checked to be an object, not copied (a preview of 10,000 profiles holds 50,000 of them). */
const propertyMap = z.custom<Record<string, unknown>>((v) => typeof v === "object" && v !== null && !Array.isArray(v), { error: "must be an object of property values" });

const resourceV3 = z.looseObject({
  urn: z.string({ error: "must be a URN string" }),
  type: z.string({ error: "must be a type token string" }),
  id: z.string().optional(),
  inputs: propertyMap.nullish(),
  outputs: propertyMap.nullish(),
  dependencies: z.array(z.string()).nullish(),
  propertyDependencies: z.record(z.string(), z.array(z.string()).nullable()).nullish(),
  delete: z.boolean().optional(),
  external: z.boolean().optional(),
});
export type ResourceV3 = z.infer<typeof resourceV3>;

const previewStep = z.looseObject({
  op: z.string({ error: "must be a step operation string (same, create, update, ...)" }),
  urn: z.string({ error: "must be a URN string" }),
  oldState: resourceV3.nullish(),
  newState: resourceV3.nullish(),
});
export type PreviewStep = z.infer<typeof previewStep>;

const previewDigest = z.looseObject({
  config: z.record(z.string(), z.unknown()).nullish(),
  steps: z.array(previewStep, { error: "must be a list of steps" }).nullish(),
  diagnostics: z.array(z.unknown()).nullish(),
  changeSummary: z.record(z.string(), z.number()).nullish(),
});
export type PreviewDigest = z.infer<typeof previewDigest>;

const stackExport = z.looseObject({
  version: z.number({ error: "must be the deployment version number" }),
  deployment: z.looseObject({ resources: z.array(resourceV3, { error: "must be a list of resources" }).nullish() }, { error: "must be an object" }),
});

/** Unreadable input: the message names the file and what is wrong (the CLI prints it on one line, exit 2). */
export class ImpactInputError extends Error {
  override readonly name = "ImpactInputError";
}

function firstIssue(err: z.ZodError): string {
  const issue = err.issues[0]!;
  const at = issue.path.length ? issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "") : "the document";
  return `${at}: ${issue.message}`;
}

function parseJson(text: string, file: string): unknown {
  if (text.trim() === "") throw new ImpactInputError(`${file}: empty input; expected the JSON of \`pulumi preview --json --show-sames\``);
  try {
    return JSON.parse(text);
  } catch (e) {
    if (isEventStream(text)) {
      throw new ImpactInputError(
        `${file}: a stream of engine events (\`pulumi up --json\`, or a preview with PULUMI_ENABLE_STREAMING_JSON_PREVIEW set), not the preview's JSON document; run \`pulumi preview --json --show-sames\` without PULUMI_ENABLE_STREAMING_JSON_PREVIEW`,
      );
    }
    const why = (e as Error).message.replace(/\s+/g, " ");
    throw new ImpactInputError(`${file}: not JSON (${why}); expected the output of \`pulumi preview --json --show-sames\``);
  }
}

/** One JSON engine event per line (apitype.EngineEvent: a `sequence` number and one event field). */
function isEventStream(text: string): boolean {
  const first = text.trimStart().split("\n", 1)[0] ?? "";
  try {
    const o = JSON.parse(first) as Record<string, unknown>;
    return typeof o === "object" && o !== null && typeof o.sequence === "number";
  } catch {
    return false;
  }
}

/** The PreviewDigest in `text` (named `file` in errors). */
export function parsePreview(text: string, file: string): PreviewDigest {
  const doc = parseJson(text, file);
  if (doc && typeof doc === "object" && !Array.isArray(doc) && "deployment" in doc) {
    throw new ImpactInputError(`${file}: this is a \`pulumi stack export\`, not a preview; pass it with --state and the preview as FILE`);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new ImpactInputError(`${file}: expected a JSON object (the output of \`pulumi preview --json\`), got ${Array.isArray(doc) ? "a list" : typeof doc}`);
  }
  const r = previewDigest.safeParse(doc);
  if (!r.success) throw new ImpactInputError(`${file}: ${firstIssue(r.error)}`);
  // the document itself, checked: zod's copy of it is the same values (no transform), and dropping
  // it at once keeps a 10,000-profile preview under 300 MiB
  return doc as PreviewDigest;
}

/** The resources of a `pulumi stack export` in `text`, pending deletes left out. */
export function parseStackExport(text: string, file: string): ResourceV3[] {
  const doc = parseJson(text, file);
  const r = stackExport.safeParse(doc);
  if (!r.success) throw new ImpactInputError(`${file}: not a \`pulumi stack export\`: ${firstIssue(r.error)}`);
  return (r.data.deployment.resources ?? []).filter((res) => !res.delete).map(stateValuesToPreviewForm);
}

/**
 * A stack export writes secrets as `{<sig>: <secret sig>, ciphertext}` (or `plaintext` with
 * --show-secrets) and resource references as `{<sig>: <resource sig>, urn, id}`; turn them into what
 * a preview shows: SECRET, or the plaintext's value, and the reference's id.
 */
function stateValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stateValue);
  if (v === null || typeof v !== "object") return v;
  const o = v as Record<string, unknown>;
  if (o[SIG_KEY] === SECRET_SIG) {
    if (typeof o.plaintext === "string") {
      try {
        return stateValue(JSON.parse(o.plaintext));
      } catch {
        return SECRET;
      }
    }
    return SECRET;
  }
  if (o[SIG_KEY] === RESOURCE_SIG) return typeof o.id === "string" && o.id !== "" ? o.id : UNKNOWN;
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, stateValue(x)]));
}

function stateValuesToPreviewForm(r: ResourceV3): ResourceV3 {
  return { ...r, inputs: r.inputs ? (stateValue(r.inputs) as Record<string, unknown>) : r.inputs, outputs: r.outputs ? (stateValue(r.outputs) as Record<string, unknown>) : r.outputs };
}

/** Operations after which the resource no longer exists (a replacement's delete half keeps the URN alive). */
const GONE_OPS = new Set(["delete", "discard", "read-discard"]);
/** The non-logical halves of a replacement (shown only with --show-replacement-steps). */
const REPLACEMENT_HALVES = new Set(["create-replacement", "delete-replaced", "discard-replaced", "remove-pending-replace", "read-replacement", "import-replacement"]);

/** The stack before and after the preview, by URN. */
export interface Sides {
  before: Map<string, ResourceV3>;
  after: Map<string, ResourceV3>;
  /** How many steps were `same` (for the --show-sames warning), the root stack's excluded. */
  sames: number;
  /**
   * How many `same` steps the preview counted (its changeSummary) but did not show, when it has a
   * changeSummary: without --show-sames the CLI still shows a same step whose `protect` changed,
   * so a few shown same steps do not prove --show-sames was given. 0 when a stack export fills in
   * what the preview does not show.
   */
  hiddenSames?: number;
  /** How many steps had an old state (the stack existed), the root stack's excluded. */
  existing: number;
  /** Diagnostics of severity error: a failed preview stops early, and its steps are not the whole change. */
  errors: number;
  /** Each shown resource's logical step (`same`, `update`, `replace`, ...): a `same` makes no call. */
  ops?: Map<string, string>;
}

const isRootStack = (urn: string) => urn.split("::")[2] === "pulumi:pulumi:Stack";

/**
 * before = every step's old state, after = every step's new state (a deleted resource has none);
 * resources of `state` the preview does not show (no --show-sames) are unchanged.
 */
export function sidesOf(preview: PreviewDigest, state: ResourceV3[] = []): Sides {
  const before = new Map<string, ResourceV3>();
  const after = new Map<string, ResourceV3>();
  const shown = new Set<string>();
  const ops = new Map<string, string>();
  let sames = 0;
  let samesShown = 0; // the root stack's included, as in changeSummary
  let existing = 0;
  for (const step of preview.steps ?? []) {
    shown.add(step.urn);
    if (step.op === "same") samesShown++;
    if (!isRootStack(step.urn)) {
      if (step.oldState) existing++;
      if (step.op === "same") sames++;
    }
    if (step.oldState && !before.has(step.urn)) before.set(step.urn, step.oldState);
    if (REPLACEMENT_HALVES.has(step.op)) {
      if (step.newState) after.set(step.urn, step.newState);
      if (!ops.has(step.urn)) ops.set(step.urn, "replace");
      continue;
    }
    ops.set(step.urn, step.op);
    if (GONE_OPS.has(step.op)) after.delete(step.urn);
    else if (step.newState) after.set(step.urn, step.newState);
  }
  for (const r of state) {
    if (shown.has(r.urn)) continue;
    before.set(r.urn, r);
    after.set(r.urn, r);
  }
  const errors = (preview.diagnostics ?? []).filter((d) => (d as { severity?: unknown } | null)?.severity === "error").length;
  const counted = preview.changeSummary?.["same"];
  const hiddenSames = state.length ? 0 : counted === undefined ? undefined : Math.max(0, counted - samesShown);
  return { before, after, sames, hiddenSames, existing, errors, ops };
}
