/**
 * What `pulumi-veza impact` reads: the JSON document `pulumi preview --json --show-sames` prints (a
 * `PreviewDigest`, pulumi/pulumi pkg/display/json.go) and, optionally, a `pulumi stack export`
 * (an `UntypedDeployment` of `apitype.DeploymentV3`). Both carry resources as `apitype.ResourceV3`,
 * written by `stack.SerializeResource`: a value not known yet is the string UNKNOWN, a secret is the
 * string SECRET in a preview (`display.MassageSecrets`) and an encrypted object in a stack export.
 */
import { ImpactInputError } from "../errors";
import { RESOURCE_SIG, SECRET_SIG, SIG_KEY, UNKNOWN } from "../pulumi-wire";
import { DYNAMIC_TYPE_PREFIX } from "../resources/shared/shell";
import { shown } from "./literal";

const KEY_PROVIDER = Buffer.from('"__provider"');
const isSpace = (c: number | undefined) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * The text of a preview or stack export read as bytes (which it overwrites), with the value of
 * every `"__provider"` key emptied: the dynamic provider's serialized code, ~440 bytes in each state's inputs and outputs
 * (four per step: 40 % of a preview's bytes), which the impact never reads. Parsing it would double
 * the parsed document's heap (a preview of 10,000 profiles: 85 MiB against 43). Only a key is
 * emptied: `"__provider"` then `:` then a string; inside a JSON string a quote is escaped, so the
 * sequence cannot start there. Anything else (not followed by a string, unterminated) is left as it is.
 */
export function inputText(bytes: Buffer): string {
  // what is kept is moved down in place (copyWithin): no second buffer next to the first
  let write = 0;
  let from = 0;
  for (let at = bytes.indexOf(KEY_PROVIDER); at >= 0; ) {
    let i = at + KEY_PROVIDER.length;
    while (isSpace(bytes[i])) i++;
    if (bytes[i++] !== 0x3a) {
      at = bytes.indexOf(KEY_PROVIDER, at + 1);
      continue;
    }
    while (isSpace(bytes[i])) i++;
    if (bytes[i] !== 0x22) {
      at = bytes.indexOf(KEY_PROVIDER, at + 1);
      continue;
    }
    const open = i;
    let close = open + 1;
    // the closing quote: the first one not escaped (a backslash escapes the byte after it)
    for (; close < bytes.length; close++) {
      const c = bytes[close];
      if (c === 0x5c) close++;
      else if (c === 0x22) break;
    }
    if (close >= bytes.length) break;
    bytes.copyWithin(write, from, open + 1);
    write += open + 1 - from;
    from = close;
    at = bytes.indexOf(KEY_PROVIDER, close);
  }
  bytes.copyWithin(write, from);
  return bytes.subarray(0, write + bytes.length - from).toString("utf8");
}

/** `stack.computedValuePlaceholder`: how the CLI writes a value a preview does not know yet. */
export { UNKNOWN };
/** How `pulumi preview --json` writes a secret (it never shows secrets in JSON). */
export const SECRET = "[secret]";

/**
 * The type tokens of this package's resources, by the way a stack uses them: the dynamic resources
 * (`pulumi-nodejs:dynamic/veza:<Kind>`) and the `veza` provider plugin (`veza:index:<Kind>`, the
 * plugin's `tokenOf`, not imported here: it would load the resource code into a command that only
 * reads JSON; tests/impact/plugin-stack.test.ts checks the two agree). A stack may hold either, or
 * both while it moves from one to the other (docs/plugin.md).
 */
export const VEZA_TYPE_PREFIXES = [DYNAMIC_TYPE_PREFIX, "veza:index:"] as const;

/** The kind (`AccessProfile`, …) of a resource of this package, from its type token; undefined for any other type. */
export function vezaKind(type: string): string | undefined {
  for (const prefix of VEZA_TYPE_PREFIXES) if (type.startsWith(prefix)) return type.slice(prefix.length);
  return undefined;
}

import type { PreviewDigest, PreviewStep, ResourceV3 } from "./schema";
export type { PreviewDigest, PreviewStep, ResourceV3 };

/** The zod schemas, loaded when a document fails the check below (what is wrong is then said from them). */
const schema = (): typeof import("./schema") => require("./schema");

// ---- the shapes of schema.ts, checked by hand: true only when the zod schema accepts the value too
// (a preview of 10,000 profiles is checked in a few ms); anything else goes to the schema, for its message
const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const nullishMap = (v: unknown) => v === undefined || v === null || isMap(v);
const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === "string");
const optional = (v: unknown, type: "string" | "boolean") => v === undefined || typeof v === type;

function plainResource(r: unknown): boolean {
  if (!isMap(r) || typeof r.urn !== "string" || typeof r.type !== "string" || !optional(r.id, "string")) return false;
  if (!nullishMap(r.inputs) || !nullishMap(r.outputs) || !optional(r.delete, "boolean") || !optional(r.external, "boolean")) return false;
  if (r.dependencies != null && !strings(r.dependencies)) return false;
  const deps = r.propertyDependencies;
  if (deps == null) return true;
  if (!isMap(deps)) return false;
  for (const k in deps) if (deps[k] !== null && !strings(deps[k])) return false;
  return true;
}

function plainDigest(d: Record<string, unknown>): boolean {
  if (!nullishMap(d.config) || (d.diagnostics != null && !Array.isArray(d.diagnostics)) || !Array.isArray(d.steps)) return false;
  for (const st of d.steps as unknown[]) {
    if (!isMap(st) || typeof st.op !== "string" || typeof st.urn !== "string") return false;
    if ((st.oldState != null && !plainResource(st.oldState)) || (st.newState != null && !plainResource(st.newState))) return false;
  }
  const summary = d.changeSummary;
  if (summary == null) return true;
  if (!isMap(summary)) return false;
  for (const k in summary) if (typeof summary[k] !== "number") return false;
  return true;
}

function plainExport(d: Record<string, unknown>): boolean {
  if (typeof d.version !== "number" || !isMap(d.deployment)) return false;
  const resources = d.deployment.resources;
  return resources == null || (Array.isArray(resources) && resources.every(plainResource));
}

/** What each input is, for the messages that say a file is not it. */
const EXPECTED = {
  preview: "the output of `pulumi preview --json --show-sames`",
  "stack export": "the output of `pulumi stack export`",
} as const;
type Expected = keyof typeof EXPECTED;

const EVENT_STREAM =
  "a stream of engine events (`pulumi up --json`, or a preview with PULUMI_ENABLE_STREAMING_JSON_PREVIEW set), not the preview's JSON document";

function parseJson(text: string, file: string, expected: Expected): unknown {
  if (text.trim() === "") throw new ImpactInputError(`${file}: empty input; expected ${EXPECTED[expected]}`);
  try {
    return JSON.parse(text);
  } catch (e) {
    if (isEventStream(text)) {
      const hint =
        expected === "preview"
          ? "run `pulumi preview --json --show-sames` without PULUMI_ENABLE_STREAMING_JSON_PREVIEW"
          : `expected ${EXPECTED[expected]}`;
      throw new ImpactInputError(`${file}: ${EVENT_STREAM}; ${hint}`);
    }
    const why = (e as Error).message.replace(/\s+/g, " ");
    throw new ImpactInputError(`${file}: not JSON (${why}); expected ${EXPECTED[expected]}`);
  }
}

/** An engine event (apitype.EngineEvent: a `sequence` number and one event field). */
const isEvent = (o: unknown) => typeof o === "object" && o !== null && typeof (o as { sequence?: unknown }).sequence === "number";

/** One JSON engine event per line. */
function isEventStream(text: string): boolean {
  const first = text.trimStart().split("\n", 1)[0] ?? "";
  try {
    return isEvent(JSON.parse(first));
  } catch {
    return false;
  }
}

const isObject = (doc: unknown): doc is Record<string, unknown> => doc !== null && typeof doc === "object" && !Array.isArray(doc);
const kindOf = (doc: unknown) => (Array.isArray(doc) ? "a list" : doc === null ? "null" : typeof doc);
/** The keys a document has, for a message saying what it lacks. */
const keysOf = (doc: Record<string, unknown>) => {
  const keys = Object.keys(doc);
  if (!keys.length) return "it is an empty object";
  const some = keys.slice(0, 5).map((k) => JSON.stringify(shown(k, 40)));
  return `its keys: ${some.join(", ")}${keys.length > 5 ? `, and ${keys.length - 5} more` : ""}`;
};

/**
 * The PreviewDigest in `text` (named `file` in errors). Anything else is refused, so a gate never
 * passes on the wrong file: every digest the CLI prints has a `steps` list (only a preview that failed
 * before registering a resource has none, and then its diagnostics say why).
 */
export function parsePreview(text: string, file: string): PreviewDigest {
  const doc = parseJson(text, file, "preview");
  if (isObject(doc) && "deployment" in doc) {
    throw new ImpactInputError(`${file}: this is a \`pulumi stack export\`, not a preview; pass it with --state and the preview as FILE`);
  }
  if (!isObject(doc)) throw new ImpactInputError(`${file}: expected a JSON object (${EXPECTED.preview}), got ${kindOf(doc)}`);
  if (isEvent(doc))
    throw new ImpactInputError(
      `${file}: ${EVENT_STREAM}; run \`pulumi preview --json --show-sames\` without PULUMI_ENABLE_STREAMING_JSON_PREVIEW`,
    );
  if (doc.steps === undefined) {
    const failed = failureOf(doc.diagnostics);
    if (failed)
      throw new ImpactInputError(
        `${file}: the preview has no steps: it failed before registering a resource (${failed}); fix the preview first`,
      );
    throw new ImpactInputError(`${file}: no "steps" list, so it is not ${EXPECTED.preview} (${keysOf(doc)})`);
  }
  if (!plainDigest(doc)) {
    const { previewDigest, firstIssue } = schema();
    const r = previewDigest.safeParse(doc);
    if (!r.success) throw new ImpactInputError(`${file}: ${firstIssue(r.error)}`);
  }
  // the document itself, checked: zod's copy of it is the same values (no transform), and dropping
  // it at once keeps a 10,000-profile preview under 300 MiB
  return doc as PreviewDigest;
}

/** The first error diagnostic's message (shortened), if the document has one. */
function failureOf(diagnostics: unknown): string | undefined {
  if (!Array.isArray(diagnostics)) return undefined;
  const d = diagnostics.find((x) => isObject(x) && x.severity === "error") as { message?: unknown } | undefined;
  if (!d) return undefined;
  return typeof d.message === "string" ? `error: ${shown(d.message.trim(), 200)}` : "an error diagnostic";
}

/** The resources of a `pulumi stack export` in `text` (named `file`, the --state file, in errors), pending deletes left out. */
export function parseStackExport(text: string, file: string): ResourceV3[] {
  const doc = parseJson(text, file, "stack export");
  if (isObject(doc) && Array.isArray(doc.steps))
    throw new ImpactInputError(
      `${file}: this is a preview, not a \`pulumi stack export\`; give the preview as FILE and the stack export with --state`,
    );
  if (!isObject(doc)) throw new ImpactInputError(`${file}: not a \`pulumi stack export\`: expected a JSON object, got ${kindOf(doc)}`);
  if (!plainExport(doc)) {
    const { stackExport, firstIssue } = schema();
    const r = stackExport.safeParse(doc);
    if (!r.success) throw new ImpactInputError(`${file}: not a \`pulumi stack export\`: ${firstIssue(r.error)}`);
  }
  const resources = ((doc.deployment as { resources?: ResourceV3[] | null }).resources ?? []) as ResourceV3[];
  return resources.filter((res) => !res.delete).map(stateValuesToPreviewForm);
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
  return {
    ...r,
    inputs: r.inputs ? (stateValue(r.inputs) as Record<string, unknown>) : r.inputs,
    outputs: r.outputs ? (stateValue(r.outputs) as Record<string, unknown>) : r.outputs,
  };
}

/** Operations after which the resource no longer exists (a replacement's delete half keeps the URN alive). */
const GONE_OPS = new Set(["delete", "discard", "read-discard"]);
/** The non-logical halves of a replacement (shown only with --show-replacement-steps). */
const REPLACEMENT_HALVES = new Set([
  "create-replacement",
  "delete-replaced",
  "discard-replaced",
  "remove-pending-replace",
  "read-replacement",
  "import-replacement",
]);

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

/** Steps that keep the resource's object: its id stays, and a same keeps its outputs. */
const KEEPS_OBJECT = new Set(["same", "update", "refresh", "read", "import"]);

/**
 * The after side of a step. The CLI writes a preview step's new state as the registration's goal:
 * inputs, no id and no outputs, whatever the step (the test engine's differential test against the
 * CLI shows it). A same or an update keeps the object, so it keeps the old id; a same keeps the old
 * outputs too (an update's are unknown until it runs).
 */
function keptObject(step: PreviewStep): ResourceV3 {
  const n = step.newState!;
  const o = step.oldState;
  if (!o || !KEEPS_OBJECT.has(step.op)) return n;
  return { ...n, id: n.id ?? o.id, outputs: n.outputs ?? (step.op === "same" ? o.outputs : undefined) };
}

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
    else if (step.newState) after.set(step.urn, keptObject(step));
  }
  for (const r of state) {
    if (shown.has(r.urn)) continue;
    before.set(r.urn, r);
    after.set(r.urn, r);
  }
  const errors = (preview.diagnostics ?? []).filter((d) => (d as { severity?: unknown } | null)?.severity === "error").length;
  const counted = preview.changeSummary?.same;
  const hiddenSames = state.length ? 0 : counted === undefined ? undefined : Math.max(0, counted - samesShown);
  return { before, after, sames, hiddenSames, existing, errors, ops };
}
