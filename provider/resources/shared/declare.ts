/**
 * A resource, declared once. Each resource file declares its inputs (API field, kind, validation,
 * replace or not, managed when absent or not), its read-only outputs, the outputs its class
 * registers and its calls; everything else derives from that declaration:
 *
 * - the check: a zod schema built from the inputs (every level also accepts the preview unknown);
 * - the diff: the compared inputs on canonical values, the replacing ones, `deleteBeforeReplace`;
 * - the request bodies, `update_mask` and outputs: the inputs that have an API field (`fields`);
 * - the props the class registers (`props`), and the runtime dispatcher's entry (../registry.ts);
 * - the exporter's block (export/generate.ts reads `fields`) and the reference docs (scripts/docs.ts).
 *
 * The `<Kind>Args` interface stays hand-written because its TSDoc is what users see in their editor
 * and in docs/; `inputs` is keyed by it (`{ [K in keyof Required<Args>]: InputSpec }`), so an input
 * added to one and not the other does not compile. The class's `declare` members are tied to
 * `outputs` the same way (`RegisteredOutputs`, checked in ../registry.ts).
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { ProviderContext } from "./context";
import { diffFields, outputsFrom, type Field, type FieldKind, type ItemRules, type OutputSources } from "./fields";
import { diffResult } from "./impl";
import { OPTIONS_INPUT, providerOptions } from "./options";
import { uBool, uEnum, uInt, uList, uNonEmpty, uObject, uString, uStringList, uStringMap, unknownInputs, validate } from "./schema";
import { shellText } from "./shell";
import { isUnknown } from "./unknown";
import { VezaInternalError } from "../../errors";

/** One input of a resource. */
export interface InputSpec {
  kind: FieldKind;
  /**
   * The snake_case field of the API object it is sent as and read back from. Absent: not a field
   * of the object (part of the resource's id, or an instruction such as `adoptExisting`).
   */
  api?: string;
  /** The names a kind "enum" accepts (a number is read as the index into them). */
  enumNames?: readonly string[];
  /** The check fails without it. Default: optional. */
  required?: boolean;
  /** What a valid value is, for the check's message, e.g. "the id of an AccessProfile". */
  what?: string;
  /** Smallest whole number allowed (kind "int"; default 0). */
  min?: number;
  /** Validation where the kind's own does not fit (entities, nested objects): a zod schema (see `InputSchema`). */
  schema?: InputSchema;
  /** Kind "entities": how its items are reduced and matched. */
  items?: ItemRules;
  /** The diff compares it. Default: true when it has an `api` field; an instruction (`adoptExisting`) is not compared. */
  compared?: boolean;
  /** Changing it replaces the resource. */
  replaces?: boolean;
  /**
   * Unset means the kind's empty value and is managed (leaving it out after setting it is a change).
   * Default: an unset input is not managed (never sent, never a diff, Veza's value kept).
   */
  managedWhenAbsent?: boolean;
  /**
   * An unknown value in a preview is no change: the engine hands a preview of an update only the new
   * inputs, and this one is wired from an output that the update does not move (the real `up` diffs
   * again with the value). Used for `versionNumber: profile.currentVersionNumber`.
   */
  unknownIsNoChange?: boolean;
}

/** The input every resource that can take over an existing object has (an instruction for create: not compared, not sent). */
export const ADOPT_EXISTING_INPUT = { adoptExisting: { kind: "bool" } } as const satisfies Record<string, InputSpec>;

/** When Veza created and last changed the object: read-only outputs of the named objects. */
export const TIMESTAMP_OUTPUTS = {
  createdAt: { api: "created_at", kind: "string" },
  updatedAt: { api: "updated_at", kind: "string" },
} as const satisfies Record<string, ReadOnlySpec>;

/** A read-only output (computed by Veza): where it is in the API object. */
export interface ReadOnlySpec {
  api: string;
  kind: FieldKind;
}

/**
 * The inputs as a resource's calls receive them: every `pulumi.Input` resolved (the engine calls
 * create and update with known values only; check and diff, which may see unknowns, take plain records).
 */
export type Resolved<Args> = { [K in keyof Args]: pulumi.Unwrap<Args[K]> };

/**
 * A resource's outputs as its state holds them: every input (resolved, canonical) and the outputs
 * it adds (`Added`, which also overrides an input's type, e.g. a state Veza may report beyond what
 * a program may set); any of them may be absent.
 */
export type OutputsOf<Args, Added> = Partial<Omit<Resolved<Args>, keyof Added> & Added>;

/** What `read` answers: the outputs, or (gone) an empty id and no outputs; a look-up's props hold only the provider. */
export interface ReadResult<Out> {
  id: string;
  props: Partial<Out>;
}

/** The calls of a resource, typed by its resolved inputs `In` and its outputs `Out`; `check` and `diff` derive from the declaration. */
export interface Operations<In, Out> {
  create(ctx: ProviderContext, inputs: In): Promise<{ id: string; outs: Out }>;
  /** `props`: the outputs in state (a refresh), or only the provider (a look-up: `get` / the `id` option). */
  read(ctx: ProviderContext, id: string, props: Partial<Out> | undefined): Promise<ReadResult<Out>>;
  update(ctx: ProviderContext, id: string, olds: Out, news: In): Promise<{ outs: Out }>;
  delete(ctx: ProviderContext, id: string, props: Partial<Out> | undefined): Promise<void>;
  /** Values as the diff should compare them, when the field table alone cannot (the version's learned enum codes). */
  comparable?(values: Record<string, any>, olds: Record<string, any>): Record<string, any>;
}

/**
 * `Args`: the class's inputs; `Out`: its outputs as the state holds them (plain values); `Registered`:
 * the outputs its class registers as members.
 */
export interface ResourceDeclaration<Args extends object, Out extends object, Registered extends keyof Out & string = keyof Out & string> {
  /** The class name and the resource type's name (registered as module "veza", type `<kind>`). */
  kind: string;
  /** What it is, in words, e.g. "access profile type" (messages, docs). */
  what: string;
  /** The form of its id where it is not Veza's id of the object, e.g. "<profileId>/versions/<n>". */
  idForm?: string;
  /** Every input of `<Kind>Args` (request bodies list the API fields in this order). */
  inputs: { [K in keyof Required<Args>]: InputSpec };
  /** Outputs computed by Veza: a response or short list item that leaves one out keeps its last value. */
  readOnly?: Record<string, ReadOnlySpec>;
  /**
   * The outputs the class registers, i.e. its `declare public readonly` members (each gets an Output
   * on the resource object). Only these are registered: each costs the Pulumi runtime work per
   * resource; the state holds every output.
   */
  outputs: readonly Registered[];
  /** The input that defaults to the resource's logical name. */
  nameInput?: keyof Args & string;
  /**
   * Outputs that carry an input's values under another name, e.g. a membership's
   * `managedIdentityIds` carries `identityIds`: secret whenever the input is (`additionalSecretOutputs`).
   */
  carriedBy?: Partial<Record<NoInfer<keyof Args & string>, readonly NoInfer<Registered>[]>>;
  /** How check failures name the resource, e.g. `AccessProfileType "Profile"`. */
  label(inputs: Record<string, any>): string;
  /** A replacement deletes the old object before creating the new one (its name is unique). */
  deleteBeforeReplace?: boolean;
  operations: Operations<Resolved<Args>, Out>;
}

export interface DeclaredResource<Args extends object, Out extends object, Registered extends keyof Out & string = keyof Out & string>
  extends ResourceDeclaration<Args, Out, Registered> {
  /** What `Class.get(name, id, state?, opts?)` does, for the docs. */
  readonly getDoc: string;
  /** The inputs that are fields of the API object: bodies, `update_mask`, outputs, export. */
  readonly fields: readonly Field[];
  /** The read-only outputs as fields (for keeping the last value of what a response leaves out). */
  readonly readOnlyFields: readonly Field[];
  /** `olds`: the old inputs (a name filled from the logical name keeps the old one). */
  check(news: Record<string, any>, olds?: Record<string, any>): pulumi.dynamic.CheckResult;
  /** The compared inputs whose new value differs from the old output (or is unknown). */
  changed(olds: Record<string, any>, news: Record<string, any>): string[];
  diff(olds: Record<string, any>, news: Record<string, any>): pulumi.dynamic.DiffResult;
  /** Outputs from an API object by the one rule (fields.ts `outputsFrom`), instruction inputs (`adoptExisting`) echoed. */
  outputsOf(obj: object, src: OutputSources): Out;
  /** Outputs after an update that changed nothing: the old ones, instruction inputs echoed from the new. */
  unchanged(olds: Out, news: Resolved<Args>): Out;
  /** The props a class registers: every registered output, the inputs, the provider shell (`__provider`). */
  props(name: string, args: object): Record<string, unknown>;
}

/**
 * A zod schema, known here only by the property every zod schema has. The resource classes' typings
 * reach this file, and a published `.d.ts` must not load zod's typings (a user's `tsc` checks them
 * under the user's flags, and they fail without `esModuleInterop`: issue 29).
 */
export interface InputSchema {
  readonly _zod: object;
}

/** The input's validation: its own `schema`, else the kind's (never optional here). */
function inputSchema(name: string, s: InputSpec): z.ZodType {
  // only zod schemas carry `_zod` (InputSchema above)
  if (s.schema) return s.schema as z.ZodType;
  switch (s.kind) {
    case "string":
      return s.required ? uNonEmpty(s.what ?? "a non-empty string") : uString(s.what);
    case "bool":
      return uBool();
    case "int":
      return uInt(s.min ?? 0);
    case "enum":
      return uEnum(s.enumNames ?? []);
    case "set":
      return uStringList();
    case "object":
      return uObject();
    case "map":
      return uStringMap();
    case "list":
      return uList(uObject(), "a list of objects");
    case "entities":
      throw new VezaInternalError(`declare: input ${name} of kind "entities" needs its own schema`);
  }
}

const asField = (input: string, s: { api?: string; kind: FieldKind; enumNames?: readonly string[]; items?: ItemRules }): Field => ({
  input,
  api: s.api ?? "",
  kind: s.kind,
  ...(s.enumNames ? { enumNames: s.enumNames } : {}),
  ...(s.items ? { items: s.items } : {}),
  ...("managedWhenAbsent" in s && s.managedWhenAbsent ? { managedWhenAbsent: true } : {}),
});

/**
 * The inputs a label may print: only strings, numbers and booleans (a value of the wrong type is
 * reported by the check; it must not make building the message throw, as `{"toString": 1}` does in
 * a template literal).
 */
function labelInputs(inputs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inputs)) if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[k] = v;
  return out;
}

/** Builds the derived parts of a resource from its declaration. */
export function declareResource<Args extends object, Out extends object, Registered extends keyof Out & string>(
  d: ResourceDeclaration<Args, Out, Registered>,
): DeclaredResource<Args, Out, Registered> {
  const inputs = Object.entries(d.inputs) as [string, InputSpec][];
  const fields = inputs.filter(([, s]) => s.api).map(([k, s]) => asField(k, s));
  const compared = inputs.filter(([, s]) => s.compared ?? Boolean(s.api)).map(([k, s]) => asField(k, s));
  const readOnlyFields = Object.entries(d.readOnly ?? {}).map(([k, s]) => asField(k, s));
  const replacing = new Set(inputs.filter(([, s]) => s.replaces).map(([k]) => k));
  const keepsOnUnknown = new Set(inputs.filter(([, s]) => s.unknownIsNoChange).map(([k]) => k));
  const inputNames = inputs.map(([k]) => k);
  // the instruction `adoptExisting` (not compared, not sent) is echoed into the outputs as the program gave it
  const echoed = (given: Record<string, unknown>) => ("adoptExisting" in d.inputs ? { adoptExisting: given.adoptExisting === true } : {});
  const schema = z.looseObject(
    Object.fromEntries(inputs.map(([k, s]) => [k, s.required ? inputSchema(k, s) : inputSchema(k, s).optional()])),
  );

  const changed = (olds: Record<string, any>, news: Record<string, any>): string[] => {
    const comparable = d.operations.comparable;
    const [o, n] = comparable ? [comparable(olds, olds), comparable(news, olds)] : [olds, news];
    // a name filled from the logical name names the object at create only (an alias rename or an import keeps Veza's)
    const unmanagedName = providerOptions(news).nameFromLogicalName ? d.nameInput : undefined;
    return diffFields(compared, o, n).changed.filter((k) => !(keepsOnUnknown.has(k) && isUnknown(news[k])) && k !== unmanagedName);
  };

  return {
    ...d,
    getDoc:
      `The existing ${d.what}${d.idForm ? ` (id \`${d.idForm}\`)` : ""} with this Veza id, read-only in this stack ` +
      `(its outputs come from Veza; nothing is written or deleted). Fails when Veza has no such object. ` +
      `\`state\` (optional, as in Pulumi's generated packages): output values to assume where Veza's answer does not carry the field; ` +
      `\`opts\`: resource options, e.g. \`{ parent }\`.`,
    fields,
    readOnlyFields,
    check(news, olds) {
      const given: Record<string, unknown> = news && typeof news === "object" && !Array.isArray(news) ? news : {};
      // A name filled from the logical name keeps the one in the old inputs, so the inputs in state
      // say what Veza has after an alias rename (`check` gets the old inputs of the aliased resource).
      const keepName = d.nameInput && providerOptions(given).nameFromLogicalName && typeof olds?.[d.nameInput] === "string";
      const inputs = keepName ? { ...given, [d.nameInput!]: olds![d.nameInput!] } : given;
      const label = d.label(labelInputs(inputs));
      // the class's own hidden input (`__options`) is not the user's: never an unknown input
      const failures = [...unknownInputs(inputs, inputNames, label, [OPTIONS_INPUT]), ...validate(schema, inputs, label)];
      return { inputs: keepName ? inputs : news, failures };
    },
    changed,
    diff(olds, news) {
      const diffs = changed(olds, news);
      return diffResult(
        diffs,
        diffs.filter((k) => replacing.has(k)),
        d.deleteBeforeReplace === true,
      );
    },
    outputsOf(obj, src) {
      return outputsFrom({ fields, readOnlyFields }, obj as Record<string, unknown>, {
        ...src,
        computed: { ...echoed(src.inputs), ...src.computed },
      }) as Out;
    },
    unchanged(olds, news) {
      return { ...olds, ...echoed(news as Record<string, unknown>) };
    },
    props(name, args) {
      const given = args as Record<string, unknown>;
      const inputValues = d.nameInput ? { ...given, [d.nameInput]: given[d.nameInput] ?? name } : { ...given };
      // every registered output present (undefined until known), so each gets an Output on the object
      const props: Record<string, unknown> = Object.fromEntries(d.outputs.map((k) => [k, undefined]));
      return Object.assign(props, inputValues, { __provider: shellText(d.kind) });
    },
  };
}

/**
 * The names of a class's registered outputs (its `pulumi.Output` members other than `id` and `urn`),
 * for tying the class to its declaration at compile time (../registry.ts).
 */
export type RegisteredOutputs<C> = Exclude<{ [K in keyof C]: C[K] extends pulumi.Output<unknown> ? K : never }[keyof C], "id" | "urn">;

/** `true` only when both sets of names are the same. */
export type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
