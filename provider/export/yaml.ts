/**
 * The exported program as a Pulumi YAML project (a Pulumi.yaml of runtime yaml) on the `veza`
 * provider plugin: the declarations of generate.ts's model (the same names, order, references and
 * adoption as the TypeScript program), typed `veza:index:<Kind>`, references as `${name.id}`.
 *
 * Every string is written so that YAML 1.1 and 1.2 readers and pulumi-yaml read back exactly that
 * string: plain only when it cannot be read as anything else, else double-quoted with JSON's
 * escapes (a subset of YAML's) plus the characters YAML does not allow unescaped; `$` doubled,
 * because pulumi-yaml reads `${…}` in any string, keys included, as a reference and `$$` as `$`.
 */
import { ExportError } from "../errors";
import { tokenOf } from "../plugin/provider";
import { INLINE_WIDTH, type Declaration, type GenerateOptions, type ProgramModel, type ProgramValue } from "./generate";
import { checkProjectName, DEFAULT_PROJECT } from "./project";

/**
 * A string YAML reads as this string when written plain, in block and flow context alike: a letter
 * first, then letters, digits, spaces and punctuation that means nothing to YAML where it stands
 * (no `:`, `#`, `,`, brackets or quotes), no trailing space.
 */
const PLAIN = /^[A-Za-z](?:[A-Za-z0-9 _./()+'@-]*[A-Za-z0-9_./()+'@-])?$/;
/** Plain words a YAML 1.1 reader takes for booleans or null (`no`, `on`…): quoted. */
const KEYWORDS = new Set(["y", "n", "yes", "no", "true", "false", "on", "off", "null"]);
/** Characters YAML does not allow in a document (C1 controls, byte-order mark, non-characters) or reads as line breaks (NEL, LS, PS). */
const UNPRINTABLE = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;

/** A string as a YAML scalar pulumi-yaml reads back as exactly this string. */
export function yamlString(s: string): string {
  const text = s.replace(/\$/g, () => "$$");
  if (PLAIN.test(text) && !KEYWORDS.has(text.toLowerCase())) return text;
  return JSON.stringify(text).replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A value written on the key's line (`inline`, with a comment after it), or as lines under it. */
type Written = { inline: string; comment?: string; lines?: undefined } | { lines: string[]; inline?: undefined };

/** How a model value reads in YAML; `where` names the resource and property for an error. */
function written(v: ProgramValue, where: string): Written {
  if ("ref" in v) return { inline: `\${${v.ref.logical}.id}` };
  if ("id" in v) return { inline: yamlString(v.id), comment: v.why };
  if ("list" in v) return listOf(v.list.map((x) => written(x, where)));
  return literal(v.literal, where);
}

function literal(x: unknown, where: string): Written {
  if (Array.isArray(x)) return listOf(x.map((item) => literal(item, where)));
  if (x !== null && typeof x === "object") {
    const entries = Object.entries(x as Record<string, unknown>);
    if (!entries.length) return { inline: "{}" };
    // pulumi-yaml reads an `fn::…` key as a function call (or an asset), whatever its value: no quoting changes that
    const fn = entries.find(([k]) => /^fn::/i.test(k));
    if (fn)
      throw new ExportError(
        `cannot export ${where} as YAML: the key ${JSON.stringify(fn[0])} would be read by pulumi-yaml as a function; export it as TypeScript (--language typescript)`,
      );
    return { lines: entries.flatMap(([k, item]) => entry(yamlString(k), literal(item, where))) };
  }
  if (typeof x === "string") return { inline: yamlString(x) };
  return { inline: x === undefined ? "null" : JSON.stringify(x) };
}

/** A list: on one line when every item is short and has no comment (`[a, "${b.id}"]`), else a line per item. */
function listOf(items: Written[]): Written {
  if (!items.length) return { inline: "[]" };
  // a reference is plain in block context, but `{` and `}` end a plain scalar in a flow list
  const flow = items.every((i) => i.inline !== undefined && !i.comment)
    ? `[${items.map((i) => (i.inline!.startsWith("${") ? JSON.stringify(i.inline) : i.inline)).join(", ")}]`
    : undefined;
  if (flow && flow.length <= INLINE_WIDTH) return { inline: flow };
  return {
    lines: items.flatMap((i) => {
      if (i.inline !== undefined) return [`- ${i.inline}${i.comment ? `  # ${i.comment}` : ""}`];
      return i.lines.map((l, n) => `${n === 0 ? "- " : "  "}${l}`);
    }),
  };
}

/** `key: value`, or `key:` and the value's lines indented under it. */
function entry(key: string, w: Written): string[] {
  if (w.inline !== undefined) return [`${key}: ${w.inline}${w.comment ? `  # ${w.comment}` : ""}`];
  return [`${key}:`, ...w.lines.map((l) => `  ${l}`)];
}

function resource(d: Declaration): string[] {
  const props = d.properties.flatMap(([k, v]) => entry(k, written(v, `${d.kind} "${d.logical}" ${k}`)));
  return [`${yamlString(d.logical)}:`, `  type: ${tokenOf(d.kind)}`, "  properties:", ...props.map((l) => `    ${l}`)];
}

/** The model as a Pulumi.yaml (runtime yaml) on the `veza` plugin. */
export function yamlProgram(model: ProgramModel, opts: Pick<GenerateOptions, "project"> = {}): string {
  const project = checkProjectName(opts.project ?? DEFAULT_PROJECT);
  const out: string[] = [
    ...model.header.map((l) => `# ${l}`),
    `name: ${yamlString(project)}`,
    "runtime: yaml",
    "# The veza plugin (pulumi-resource-veza) is found on PATH (npm install -g pulumi-veza), or name its folder",
    "# (a checkout's bin, after npm ci && npm run build):",
    "# plugins:",
    "#   providers:",
    "#     - name: veza",
    "#       path: /path/to/pulumi-veza/bin",
  ];
  const body: string[] = [];
  for (const section of model.sections) {
    body.push(`# ---- ${section.title} ----`, "");
    for (const group of section.groups) body.push(...group.flatMap(resource), "");
  }
  out.push(body.length ? "resources:" : "resources: {}", ...body.map((l) => (l ? `  ${l}` : l)));
  for (const n of model.notes) out.push(`# note: ${n}`);
  return out.join("\n").replace(/\n+$/, "\n");
}
