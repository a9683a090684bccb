/**
 * Turns a tenant into a Pulumi program that declares it: types and profiles adopted
 * (`adoptExisting: true`), each profile's current version and its members, references between the
 * generated resources instead of ids, topologically ordered. A following `up` changes nothing:
 * every field whose value differs from what an absent input means is written out.
 *
 * `programModel` decides all of that once; `typescriptProgram` (below: the dynamic resources) and
 * `yamlProgram` (./yaml.ts: a Pulumi YAML project on the `veza` plugin) only write it down.
 */
import { accessProfileType } from "../resources/access-profile-type";
import { accessProfile } from "../resources/access-profile";
import { accessProfileVersion } from "../resources/access-profile-version";
import { profileMembership } from "../resources/profile-membership";
import { canon, type Field } from "../resources/shared/fields";
import type { Tenant, TenantProfile } from "./read";
import type { ApiType } from "../client/api-objects";
import { ExportError } from "../errors";
import { yamlProgram } from "./yaml";

/** The languages `export` writes: a program on the dynamic resources, or a Pulumi YAML project on the `veza` plugin. */
export type ProgramLanguage = "typescript" | "yaml";

export interface GenerateOptions {
  /** Default "typescript". */
  language?: ProgramLanguage;
  /** The YAML project's name (Pulumi.yaml's `name`; default "veza-tenant"). */
  project?: string;
  /** Shown in the header comment (never a token). */
  source?: string;
  /** Module the TypeScript program imports (default "pulumi-veza"). */
  packageName?: string;
  /** Header date (default now; tests pass a fixed one). */
  generatedAt?: string;
}

const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for function if import in " +
    "instanceof new null return super switch this throw true try typeof var void while with as implements interface let package private " +
    "protected public static yield any boolean constructor declare get module require number set string symbol type from of async await " +
    "veza pulumi undefined NaN Infinity arguments eval"
  ).split(" "),
);

/**
 * The words of a name as a person reads them: runs of letters and digits, also split where a word's
 * case changes ("McDonald" → Mc Donald, "ADUsers" → AD Users); accents and apostrophes dropped.
 */
export function wordsOf(name: string): string[] {
  return name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "") // the accents NFKD split off ("Ü" → "U" + "¨")
    .replace(/['\u2019]/g, "")
    .replace(/[^A-Za-z0-9]+/g, " ")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .trim()
    .split(/\s+/)
    .filter(Boolean);
}

/** camelCase from words: "AD VPN Users" → adVpnUsers. */
const camel = (words: string[]) =>
  words.map((w, i) => (i === 0 ? w.toLowerCase() : w.charAt(0).toUpperCase() + w.slice(1).toLowerCase())).join("");
/** kebab-case from words: "AD VPN Users" → ad-vpn-users. */
const kebab = (words: string[]) => words.map((w) => w.toLowerCase()).join("-");

/** Unique identifiers and logical names, allotted in declaration order. */
class Names {
  private readonly idents = new Set<string>();
  private readonly logical = new Set<string>();

  /** A unique identifier and Pulumi name for an object called `name` ("Business Role", suffix "type" → businessRoleType, business-role-type). */
  of(name: string, suffix: string, fallback: string): { ident: string; logical: string } {
    let words = wordsOf(name);
    if (!words.length) words = [fallback];
    if (/^[0-9]/.test(words[0]!)) words = [fallback, ...words];
    if (suffix && words[words.length - 1]!.toLowerCase() !== suffix) words = [...words, suffix];
    const base = camel(words);
    let ident = base;
    for (let n = 2; this.idents.has(ident) || RESERVED.has(ident); n++) ident = `${base}${n}`;
    this.idents.add(ident);
    return { ident, logical: this.logicalName(kebab(words)) };
  }

  /** A unique Pulumi name: `base`, else `base-2`, `base-3`… */
  logicalName(base: string): string {
    let name = base;
    for (let n = 2; this.logical.has(name); n++) name = `${base}-${n}`;
    this.logical.add(name);
    return name;
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
/** Longest literal written on one line; longer ones get a line per item. */
export const INLINE_WIDTH = 120;

/**
 * A value as a person writes it in TypeScript: keys unquoted where they are identifiers, short lists
 * and objects on one line, long ones a line per item (indented relative to the first line).
 */
export function tsLiteral(v: unknown): string {
  if (v === undefined || v === null || typeof v !== "object") return JSON.stringify(v) ?? "undefined";
  const items = Array.isArray(v)
    ? v.map(tsLiteral)
    : Object.entries(v as Record<string, unknown>).map(([k, x]) => `${IDENTIFIER.test(k) ? k : JSON.stringify(k)}: ${tsLiteral(x)}`);
  const [open, close] = Array.isArray(v) ? ["[", "]"] : ["{ ", " }"];
  if (!items.length) return Array.isArray(v) ? "[]" : "{}";
  const inline = `${open}${items.join(", ")}${close}`;
  if (inline.length <= INLINE_WIDTH && !inline.includes("\n")) return inline;
  return `${open.trim()}\n${items.map((i) => `  ${i.replace(/\n/g, "\n  ")},`).join("\n")}\n${close.trim()}`;
}

const lit = tsLiteral;
const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;

/** A property's value in the generated program, before it is written in a language. */
export type ProgramValue =
  | { literal: unknown }
  /** The id of another generated resource. */
  | { ref: Declaration }
  /** An id kept literal, with why it is not a reference. */
  | { id: string; why: "itself" | "not in this tenant" }
  /** A set of ids, in the order of the names they refer to. */
  | { list: ProgramValue[] };

/** One resource of the program. */
export interface Declaration {
  /** The resource's kind ("AccessProfile"): the class, or the plugin's `veza:index:<kind>`. */
  kind: string;
  /** The Pulumi (logical) name, unique in the program. */
  logical: string;
  /** The identifier a TypeScript program holds it in: set on the resources others refer to (types, profiles). */
  ident?: string;
  properties: [string, ProgramValue][];
}

/** What `export` writes, whatever the language: declarations named, ordered and referring to each other. */
export interface ProgramModel {
  /** The header comment's lines (without the comment marker). */
  header: string[];
  /** Each section under its title; a group is declarations written together (a profile, its version and members). */
  sections: { title: string; groups: Declaration[][] }[];
  /** One-line notes for the end of the program (line breaks already removed). */
  notes: string[];
}

/** The properties for every field that differs from the absent input (which is then the same thing). */
function fieldProps(
  fields: readonly Field[],
  api: Record<string, unknown>,
  refs: Record<string, (v: unknown) => ProgramValue>,
  skip: string[] = [],
): [string, ProgramValue][] {
  const props: [string, ProgramValue][] = [];
  for (const f of fields) {
    if (skip.includes(f.input)) continue;
    const value = canon(f, api[f.api]);
    if (JSON.stringify(value) === JSON.stringify(canon(f, undefined))) continue;
    if (f.kind === "entities" && Array.isArray(value)) {
      props.push([f.input, { literal: value.map(identifiedFirst) }]);
      continue;
    }
    props.push([f.input, refs[f.input] ? refs[f.input](value) : { literal: value }]);
  }
  return props;
}

/** The fields that identify an entity first, in the order the `Entity` type declares them (canon sorts keys). */
const ENTITY_IDENTITY = ["entityType", "datasourceId", "entityId"];
const identifiedFirst = (entity: Record<string, unknown>) =>
  Object.fromEntries([
    ...ENTITY_IDENTITY.filter((k) => k in entity).map((k) => [k, entity[k]]),
    ...Object.entries(entity).filter(([k]) => !ENTITY_IDENTITY.includes(k)),
  ]);

/** Kahn's order over `deps` (id → ids it needs first); a cycle is an ExportError naming it. */
function topoOrder(ids: string[], deps: (id: string) => string[], nameOf: (id: string) => string, what: string): string[] {
  const known = new Set(ids);
  const out: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (id: string, path: string[]): void => {
    const s = state.get(id);
    if (s === "done") return;
    if (s === "visiting") {
      const cycle = [...path.slice(path.indexOf(id)), id].map((x) => `"${nameOf(x)}"`).join(" -> ");
      throw new ExportError(`cannot export: ${what} cycle ${cycle}`);
    }
    state.set(id, "visiting");
    for (const d of byName(deps(id))) if (known.has(d) && d !== id) visit(d, [...path, id]);
    state.set(id, "done");
    out.push(id);
  };
  // stable whatever the ids: by name, then dependencies first (also by name)
  const byName = (list: string[]) => [...list].sort((a, b) => nameOf(a).localeCompare(nameOf(b)) || a.localeCompare(b));
  for (const id of byName(ids)) visit(id, []);
  return out;
}

/**
 * The program as declarations: names allotted, dependencies first, references instead of ids. Both
 * languages are written from this, so they cannot differ in what they declare.
 */
export function programModel(tenant: Tenant, opts: Pick<GenerateOptions, "source" | "generatedAt"> = {}): ProgramModel {
  const names = new Names();
  const typeById = new Map(tenant.types.map((t) => [t.id, t]));
  const profById = new Map(tenant.profiles.map((p) => [p.profile.id, p]));
  const typeDecl = new Map<string, Declaration>();
  const profDecl = new Map<string, Declaration>();
  const notes: string[] = [];

  const typeName = (id: string) => typeById.get(id)?.name ?? id;
  const profName = (id: string) => profById.get(id)?.profile.name ?? id;
  const inheritsOf = (p: TenantProfile | undefined) => (p?.version?.inherit_entities_from_access_profiles ?? []).map(String);

  const typeOrder = topoOrder(
    tenant.types.map((t) => t.id),
    (id) => typeById.get(id)?.allow_inherited_from_types ?? [],
    typeName,
    "type (allowInheritedFromTypes)",
  );
  const profOrder = topoOrder(
    tenant.profiles.map((p) => p.profile.id),
    (id) => inheritsOf(profById.get(id)),
    profName,
    "profile inheritance",
  );

  const refTo = (decls: Map<string, Declaration>, id: string, self?: string): ProgramValue => {
    const decl = decls.get(id);
    if (decl && id !== self) return { ref: decl };
    return { id, why: id === self ? "itself" : "not in this tenant" };
  };
  // a set: written in the order of the names it refers to, so the program does not depend on the ids
  const refList = (ids: unknown, ref: (id: string) => ProgramValue, nameOf: (id: string) => string): ProgramValue => {
    const arr = [...((ids as string[]) ?? [])].sort((a, b) => nameOf(a).localeCompare(nameOf(b)) || a.localeCompare(b));
    return { list: arr.map(ref) };
  };
  const adopt: [string, ProgramValue] = ["adoptExisting", { literal: true }];

  const types: Declaration[][] = [];
  for (const id of typeOrder) {
    const t = typeById.get(id) as ApiType;
    const { ident, logical } = names.of(t.name ?? "", "type", "type");
    const decl: Declaration = { kind: accessProfileType.kind, logical, ident, properties: [] };
    typeDecl.set(id, decl);
    decl.properties = [
      ["name", { literal: t.name ?? "" }],
      ...fieldProps(accessProfileType.fields, t, { allowInheritedFromTypes: (v) => refList(v, (x) => refTo(typeDecl, x, id), typeName) }, [
        "name",
      ]),
      adopt,
    ];
    types.push([decl]);
  }

  const profiles: Declaration[][] = [];
  for (const id of profOrder) {
    const tp = profById.get(id) as TenantProfile;
    const p = tp.profile;
    const { ident, logical } = names.of(p.name ?? "", "", "profile");
    const decl: Declaration = { kind: accessProfile.kind, logical, ident, properties: [] };
    profDecl.set(id, decl);
    // the profile's current version is what a version or membership without versionNumber manages; a
    // number is written only where that could be read otherwise (a draft exists, or the number is not the current one)
    // (the API writes 0 for "no draft", proto3's default)
    const pinned = (p.draft_version_number ?? 0) > 0 || tp.versionNumber !== p.current_version_number;
    const versionNumber: [string, ProgramValue][] = pinned ? [["versionNumber", { literal: tp.versionNumber }]] : [];
    decl.properties = [
      ["name", { literal: p.name ?? "" }],
      ...fieldProps(accessProfile.fields, p, { profileType: (v) => refTo(typeDecl, String(v)) }, ["name"]),
      adopt,
    ];
    if (!p.profile_type) notes.push(`profile ${JSON.stringify(p.name ?? "")} has no profile type`);
    const group = [decl];
    if (tp.version) {
      group.push({
        kind: accessProfileVersion.kind,
        logical: names.logicalName(`${logical}-version`),
        properties: [
          ["accessProfileId", { ref: decl }],
          ...versionNumber,
          ...fieldProps(accessProfileVersion.fields, tp.version, {
            inheritFrom: (v) => refList(v, (x) => refTo(profDecl, x, id), profName),
          }),
          adopt,
        ],
      });
    }
    if (tp.members.length) {
      group.push({
        kind: profileMembership.kind,
        logical: names.logicalName(`${logical}-members`),
        properties: [
          ["accessProfileId", { ref: decl }],
          ...versionNumber,
          ["identityIds", { literal: [...new Set(tp.members)].sort() }],
          adopt,
        ],
      });
    }
    profiles.push(group);
  }
  for (const name of tenant.membersUnreadable ?? [])
    notes.push(
      `the members of profile ${JSON.stringify(name)} could not be read (this tenant has no members route); declare its ProfileMembership by hand`,
    );

  const header = [
    `Generated by \`pulumi-veza export\`${opts.source ? ` from ${opts.source}` : ""} on ${opts.generatedAt ?? new Date().toISOString()}.`,
    `${count(tenant.types.length, "access profile type")}, ${count(tenant.profiles.length, "access profile")}.`,
    "Everything is adopted (adoptExisting: true): the first `pulumi up` takes types and profiles over instead of",
    "creating them, and writes versions and memberships only where they differ. Review, then `pulumi up`.",
  ];
  return {
    header,
    sections: [
      { title: "access profile types", groups: types },
      { title: "access profiles, their current versions and members", groups: profiles },
    ].filter((s) => s.groups.length),
    // a note is a one-line comment: no line break of any kind may end it early
    notes: notes.map((n) => n.replace(/[\r\n\u2028\u2029]/g, " ")),
  };
}

/** The program's text, in `opts.language` (default TypeScript). */
export function generateProgram(tenant: Tenant, opts: GenerateOptions = {}): string {
  const model = programModel(tenant, opts);
  return opts.language === "yaml" ? yamlProgram(model, opts) : typescriptProgram(model, opts);
}

/** A value in TypeScript: references as `ident.id`, an id kept literal with a comment saying why. */
function tsValue(v: ProgramValue): string {
  if ("ref" in v) return `${v.ref.ident}.id`;
  if ("id" in v) return `${lit(v.id)} /* ${v.why} */`;
  if ("list" in v) return `[${v.list.map(tsValue).join(", ")}]`;
  return lit(v.literal);
}

function block(lines: string[]): string {
  return lines
    .map(
      (l) =>
        `${l
          .split("\n")
          .map((x) => `  ${x}`)
          .join("\n")},`,
    )
    .join("\n");
}

/** The model as a TypeScript program on the dynamic resources (`import * as veza from "pulumi-veza"`). */
export function typescriptProgram(model: ProgramModel, opts: Pick<GenerateOptions, "packageName"> = {}): string {
  const out: string[] = [...model.header.map((l) => `// ${l}`), `import * as veza from ${lit(opts.packageName ?? "pulumi-veza")};`, ""];
  for (const section of model.sections) {
    out.push(`// ---- ${section.title} ----`, "");
    for (const group of section.groups) {
      for (const d of group) {
        const decl = `new veza.${d.kind}(${lit(d.logical)}, {`;
        out.push(d.ident ? `const ${d.ident} = ${decl}` : decl, block(d.properties.map(([k, v]) => `${k}: ${tsValue(v)}`)), "});");
      }
      out.push("");
    }
  }
  for (const n of model.notes) out.push(`// note: ${n}`);
  return out.join("\n").replace(/\n+$/, "\n");
}
