/**
 * Turns a tenant into a TypeScript Pulumi program that declares it: types and profiles adopted
 * (`adoptExisting: true`), each profile's current version and its members, references between the
 * generated resources instead of ids, topologically ordered. A following `up` changes nothing:
 * every field whose value differs from what an absent input means is written out.
 */
import { accessProfileType } from "../resources/access-profile-type";
import { accessProfile } from "../resources/access-profile";
import { accessProfileVersion } from "../resources/access-profile-version";
import { profileMembership } from "../resources/profile-membership";
import { canon, type Field } from "../resources/shared/fields";
import type { Tenant, TenantProfile } from "./read";
import type { ApiType } from "../client/api-objects";

/** Thrown when the tenant cannot be written as a program (e.g. an inheritance cycle). */
export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExportError";
  }
}

export interface GenerateOptions {
  /** Shown in the header comment (never a token). */
  source?: string;
  /** Module the program imports (default "pulumi-veza"). */
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

/** Unique identifiers and logical names, allotted in declaration order. */
class Names {
  private readonly idents = new Set<string>();
  private readonly logical = new Set<string>();

  ident(name: string, suffix: string, fallback: string): string {
    const words = name.normalize("NFKD").replace(/[^A-Za-z0-9]+/g, " ").trim().split(/\s+/).filter(Boolean);
    let base = words.map((w, i) => (i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w.charAt(0).toUpperCase() + w.slice(1))).join("");
    if (!base) base = fallback;
    if (/^[0-9]/.test(base)) base = `${fallback}${base}`;
    if (suffix && !base.toLowerCase().endsWith(suffix.toLowerCase())) base += suffix;
    let id = base;
    for (let n = 2; this.idents.has(id) || RESERVED.has(id); n++) id = `${base}${n}`;
    this.idents.add(id);
    return id;
  }

  logicalName(ident: string): string {
    const base = ident.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    let name = base;
    for (let n = 2; this.logical.has(name); n++) name = `${base}-${n}`;
    this.logical.add(name);
    return name;
  }
}

const lit = (v: unknown): string => JSON.stringify(v, null, 2);

/** `key: value` lines for every field that differs from the absent input (which is then the same thing). */
function fieldLines(fields: readonly Field[], api: Record<string, unknown>, refs: Record<string, (v: unknown) => string>, skip: string[] = []): string[] {
  const lines: string[] = [];
  for (const f of fields) {
    if (skip.includes(f.input)) continue;
    const value = canon(f, api[f.api]);
    if (JSON.stringify(value) === JSON.stringify(canon(f, undefined))) continue;
    lines.push(`${f.input}: ${refs[f.input] ? refs[f.input](value) : lit(value)}`);
  }
  return lines;
}

function block(lines: string[]): string {
  return lines.map((l) => l.split("\n").map((x) => `  ${x}`).join("\n") + ",").join("\n");
}

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
    for (const d of deps(id)) if (known.has(d) && d !== id) visit(d, [...path, id]);
    state.set(id, "done");
    out.push(id);
  };
  // stable: by name, then dependencies first
  for (const id of [...ids].sort((a, b) => nameOf(a).localeCompare(nameOf(b)) || a.localeCompare(b))) visit(id, []);
  return out;
}

/** The program's text. */
export function generateProgram(tenant: Tenant, opts: GenerateOptions = {}): string {
  const names = new Names();
  const typeById = new Map(tenant.types.map((t) => [t.id, t]));
  const profById = new Map(tenant.profiles.map((p) => [p.profile.id, p]));
  const typeIdent = new Map<string, string>();
  const profIdent = new Map<string, string>();
  const notes: string[] = [];

  const typeName = (id: string) => typeById.get(id)?.name ?? id;
  const profName = (id: string) => profById.get(id)?.profile.name ?? id;
  const inheritsOf = (p: TenantProfile | undefined) => (p?.version?.inherit_entities_from_access_profiles ?? []).map(String);

  const typeOrder = topoOrder(tenant.types.map((t) => t.id), (id) => typeById.get(id)?.allow_inherited_from_types ?? [], typeName, "type (allowInheritedFromTypes)");
  const profOrder = topoOrder(tenant.profiles.map((p) => p.profile.id), (id) => inheritsOf(profById.get(id)), profName, "profile inheritance");

  const typeRef = (id: string, self?: string) => {
    const ident = typeIdent.get(id);
    if (ident && id !== self) return `${ident}.id`;
    return `${lit(id)} /* ${id === self ? "itself" : "not in this tenant"} */`;
  };
  const profRef = (id: string, self?: string) => {
    const ident = profIdent.get(id);
    if (ident && id !== self) return `${ident}.id`;
    return `${lit(id)} /* ${id === self ? "itself" : "not in this tenant"} */`;
  };
  const refList = (ids: unknown, ref: (id: string) => string) => {
    const arr = (ids as string[]) ?? [];
    return arr.length ? `[${arr.map(ref).join(", ")}]` : "[]";
  };

  const out: string[] = [];
  const header = [
    `// Generated by \`pulumi-veza export\`${opts.source ? ` from ${opts.source}` : ""} on ${opts.generatedAt ?? new Date().toISOString()}.`,
    `// ${tenant.types.length} access profile types, ${tenant.profiles.length} access profiles.`,
    "// Everything is adopted (adoptExisting: true): the first `pulumi up` takes types and profiles over instead of",
    "// creating them, and writes versions and memberships only where they differ. Review, then `pulumi up`.",
  ];
  out.push(...header, `import * as veza from ${lit(opts.packageName ?? "pulumi-veza")};`, "");

  if (typeOrder.length) out.push("// ---- access profile types ----", "");
  for (const id of typeOrder) {
    const t = typeById.get(id) as ApiType;
    const ident = names.ident(t.name ?? "", "Type", "type");
    typeIdent.set(id, ident);
    const lines = [
      `name: ${lit(t.name ?? "")}`,
      ...fieldLines(accessProfileType.fields, t, { allowInheritedFromTypes: (v) => refList(v, (x) => typeRef(x, id)) }, ["name"]),
      "adoptExisting: true",
    ];
    out.push(`const ${ident} = new veza.${accessProfileType.kind}(${lit(names.logicalName(ident))}, {`, block(lines), "});", "");
  }

  if (profOrder.length) out.push("// ---- access profiles, their current versions and members ----", "");
  for (const id of profOrder) {
    const tp = profById.get(id) as TenantProfile;
    const p = tp.profile;
    const ident = names.ident(p.name ?? "", "", "profile");
    profIdent.set(id, ident);
    const lines = [
      `name: ${lit(p.name ?? "")}`,
      ...fieldLines(accessProfile.fields, p, { profileType: (v) => typeRef(String(v)) }, ["name"]),
      "adoptExisting: true",
    ];
    if (!p.profile_type) notes.push(`profile ${JSON.stringify(p.name ?? "")} has no profile type`);
    out.push(`const ${ident} = new veza.${accessProfile.kind}(${lit(names.logicalName(ident))}, {`, block(lines), "});");
    if (tp.version) {
      const vIdent = names.ident(`${ident} version`, "", "version");
      const vLines = [
        `accessProfileId: ${ident}.id`,
        `versionNumber: ${tp.versionNumber}`,
        ...fieldLines(accessProfileVersion.fields, tp.version, { inheritFrom: (v) => refList(v, (x) => profRef(x, id)) }),
        "adoptExisting: true",
      ];
      out.push(`new veza.${accessProfileVersion.kind}(${lit(names.logicalName(vIdent))}, {`, block(vLines), "});");
    }
    if (tp.members.length) {
      const mIdent = names.ident(`${ident} members`, "", "members");
      const mLines = [
        `accessProfileId: ${ident}.id`,
        `versionNumber: ${tp.versionNumber}`,
        `identityIds: ${lit([...new Set(tp.members)].sort())}`,
        "adoptExisting: true",
      ];
      out.push(`new veza.${profileMembership.kind}(${lit(names.logicalName(mIdent))}, {`, block(mLines), "});");
    }
    out.push("");
  }
  for (const name of tenant.membersUnreadable ?? []) notes.push(`the members of profile ${JSON.stringify(name)} could not be read (this tenant has no members route); declare its ProfileMembership by hand`);
  // a note is a one-line comment: no line break of any kind may end it early
  for (const n of notes) out.push(`// note: ${n.replace(/[\r\n\u2028\u2029]/g, " ")}`);
  return out.join("\n").replace(/\n+$/, "\n");
}
