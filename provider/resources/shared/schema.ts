/** zod helpers whose every level also accepts the preview unknown sentinel, and the check runner. */
import { z } from "zod";
import { UNKNOWN } from "./unknown";

/** `s`, or the unknown sentinel. */
export const unk = <S extends z.ZodType>(s: S) => z.union([z.literal(UNKNOWN), s]);

export const uString = (what = "a string") => unk(z.string({ error: `must be ${what}` }));
export const uNonEmpty = (what = "a non-empty string") => unk(z.string({ error: `must be ${what}` }).min(1, { error: `must be ${what}` }));
export const uBool = () => unk(z.boolean({ error: "must be true or false" }));
export const uInt = (min = 0) =>
  unk(
    z.preprocess(
      (v) => (typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v),
      z
        .number({ error: `must be a whole number >= ${min}` })
        .int({ error: `must be a whole number >= ${min}` })
        .min(min, { error: `must be a whole number >= ${min}` }),
    ),
  );
export const uEnum = (names: readonly string[]) =>
  unk(
    z.preprocess(
      (v) => (typeof v === "number" && names[v] !== undefined ? names[v] : v),
      z.enum(names as [string, ...string[]], { error: `must be one of ${names.join(", ")}` }),
    ),
  );
export const uList = <S extends z.ZodType>(item: S, what = "a list") => unk(z.array(unk(item), { error: `must be ${what}` }));
export const uStringList = () => uList(z.string({ error: "must be a string" }), "a list of strings");
export const uStringMap = () =>
  unk(z.record(z.string(), unk(z.string({ error: "must be a string" })), { error: "must be a map of string to string" }));
export const uObject = () => unk(z.record(z.string(), z.unknown(), { error: "must be an object" }));

export interface CheckFailure {
  property: string;
  reason: string;
}

interface FlatIssue {
  path: PropertyKey[];
  message: string;
  code: string;
  keys?: string[];
}

/** Unions with the unknown sentinel report the real branch's issue, not "invalid union". */
function flatten(issues: readonly z.core.$ZodIssue[], base: PropertyKey[] = []): FlatIssue[] {
  const out: FlatIssue[] = [];
  for (const i of issues) {
    if (i.code === "invalid_union" && i.errors.length) {
      out.push(...flatten(i.errors[i.errors.length - 1], [...base, ...i.path]));
    } else {
      out.push({ path: [...base, ...i.path], message: i.message, code: i.code, keys: i.code === "unrecognized_keys" ? i.keys : undefined });
    }
  }
  return out;
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let v: any = root;
  for (const k of path) v = v == null ? undefined : v[k as any];
  return v;
}

/** Validates inputs; every bad field becomes one failure naming the field and what is allowed. */
export function validate(schema: z.ZodType, inputs: Record<string, unknown>, resource: string): CheckFailure[] {
  const r = schema.safeParse(inputs);
  if (r.success) return [];
  const seen = new Set<string>();
  const failures: CheckFailure[] = [];
  for (const i of flatten(r.error.issues)) {
    const property = i.path.map(String).join(".") || "(inputs)";
    let reason = i.message;
    if (i.code === "unrecognized_keys") reason = `has unknown input(s) ${i.keys!.join(", ")}`;
    else if (valueAt(inputs, i.path) === undefined) reason = "is required";
    const text = `${resource}: ${property} ${reason}`;
    if (seen.has(text)) continue;
    seen.add(text);
    failures.push({ property, reason: text });
  }
  return failures;
}

/**
 * Keys the engine itself puts in a dynamic resource's inputs: the serialized provider
 * (`@pulumi/pulumi` dynamic.Resource adds `__provider`; the dynamic-provider server reads it).
 */
export const ENGINE_INPUT_KEYS: readonly string[] = ["__provider"];

/** Edit distance (insertions, deletions, substitutions, adjacent transpositions) between two names. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The known name closest to `name` (case-insensitive edit distance; the first declared wins a tie). */
export function nearest(name: string, known: readonly string[]): string {
  let best = known[0];
  let bestDistance = Infinity;
  for (const k of known) {
    const dist = distance(name.toLowerCase(), k.toLowerCase());
    if (dist < bestDistance) [best, bestDistance] = [k, dist];
  }
  return best;
}

/**
 * One failure per input key that is neither declared, nor put there by the engine, nor one of the
 * class's `hidden` inputs (`__options`), naming the
 * nearest declared input: in a JavaScript program nothing else catches a misspelt input
 * (`descriptoin`), and it would silently be ignored (`exclusiv: true` leaves a membership
 * non-exclusive).
 */
export function unknownInputs(
  inputs: Record<string, unknown>,
  declared: readonly string[],
  resource: string,
  hidden: readonly string[] = [],
): CheckFailure[] {
  return Object.keys(inputs)
    .filter((k) => !declared.includes(k) && !ENGINE_INPUT_KEYS.includes(k) && !hidden.includes(k))
    .map((k) => ({
      property: k,
      reason: `${resource}: ${k} is not an input (did you mean ${nearest(k, declared)}?); the inputs are ${declared.join(", ")}`,
    }));
}
