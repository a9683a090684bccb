/**
 * The access catalog (catalog.yaml): its schema, and a loader that validates it completely before
 * any request is made. Every problem is reported at once, each naming the file, line, column and
 * the catalog entry it belongs to, e.g.
 *
 *   catalog.yaml:88:15 profiles[8] "Account Executive" inherits[1]: profile "Okta Sale Apps" is not defined in profiles
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from "yaml";
import { PROFILE_STATES } from "pulumi-veza";
import { z } from "zod";

const name = z.string({ error: "must be a string" }).trim().min(1, { error: "must not be empty" });
const names = z.array(name, { error: "must be a list of names" });

const entitySchema = z.strictObject(
  {
    entityType: name.describe("e.g. SalesforceGroup, AwsIamRole, ActiveDirectoryGroup, OktaGroup"),
    datasourceId: name,
    entityId: name,
    assignedToEntityType: name.optional(),
    assignedToEntityId: name.optional(),
    grantBy: z.union([z.string(), z.number()], { error: "must be a GrantBy name or number" }).optional(),
  },
  { error: "must be an entity { entityType, datasourceId, entityId }" },
);

const typeSchema = z.strictObject(
  {
    name,
    description: z.string({ error: "must be a string" }).optional(),
    /** Profiles of this type may relate directly to entities. */
    allowCreateRelationships: z.boolean({ error: "must be true or false" }).optional(),
    /** Profiles of this type may inherit entities from other profiles. */
    allowInheritEntities: z.boolean({ error: "must be true or false" }).optional(),
    /** Names of the types whose profiles these may inherit from (absent or empty: any). */
    inheritsFromTypes: names.optional(),
    requireSingleDatasource: z.boolean({ error: "must be true or false" }).optional(),
    requireSingleIntegration: z.boolean({ error: "must be true or false" }).optional(),
    maxEntitlements: z
      .number({ error: "must be a whole number >= 0" })
      .int({ error: "must be a whole number >= 0" })
      .min(0, { error: "must be a whole number >= 0" })
      .optional(),
    onCreateBehavior: z.enum(PROFILE_STATES, { error: `must be one of ${PROFILE_STATES.join(", ")}` }).optional(),
    instructions: z.string({ error: "must be a string" }).optional(),
    /** Take over an existing type of the same name instead of failing. */
    adoptExisting: z.boolean({ error: "must be true or false" }).optional(),
  },
  { error: "must be a type { name, ... }" },
);

const profileSchema = z.strictObject(
  {
    name,
    /** Name of a type in `types`. */
    type: name,
    description: z.string({ error: "must be a string" }).optional(),
    labels: names.optional(),
    state: z.enum(PROFILE_STATES, { error: `must be one of ${PROFILE_STATES.join(", ")}` }).optional(),
    requireApprovalToStart: z.boolean({ error: "must be true or false" }).optional(),
    /** What the profile grants directly. */
    entities: z.array(entitySchema, { error: "must be a list of entities" }).optional(),
    /** Names of profiles (in `profiles`) whose entities this one inherits. */
    inherits: names.optional(),
    /** Identity ids that hold the profile. */
    members: names.optional(),
    /** true: `members` is the whole membership (others are removed); default false: only these are managed. */
    exclusiveMembers: z.boolean({ error: "must be true or false" }).optional(),
    adoptExisting: z.boolean({ error: "must be true or false" }).optional(),
  },
  { error: "must be a profile { name, type, ... }" },
);

const catalogSchema = z.strictObject(
  {
    types: z.array(typeSchema, { error: "must be a list of types" }).min(1, { error: "must name at least one type" }),
    profiles: z.array(profileSchema, { error: "must be a list of profiles" }).default([]),
  },
  { error: "the catalog must be a mapping with `types:` and `profiles:`" },
);

export type CatalogType = z.infer<typeof typeSchema>;
export type CatalogProfile = z.infer<typeof profileSchema>;
export type CatalogEntity = z.infer<typeof entitySchema>;
export type Catalog = z.infer<typeof catalogSchema>;

export interface CatalogIssue {
  /** Path inside the catalog, e.g. ["profiles", 8, "inherits", 1]. */
  path: (string | number)[];
  line: number;
  column: number;
  message: string;
}

/** The catalog is invalid; `message` lists every issue, one per line. */
export class CatalogError extends Error {
  constructor(
    readonly file: string,
    readonly issues: CatalogIssue[],
    lines: string[],
  ) {
    super(
      `${file}: ${issues.length} problem${issues.length === 1 ? "" : "s"} in the catalog, nothing was changed:\n${lines.map((l) => `  ${l}`).join("\n")}`,
    );
    this.name = "CatalogError";
  }
}

type Path = (string | number)[];

/** Start offset of the YAML node at `path`, or of the deepest node that exists on the way. */
function offsetOf(doc: Document, p: Path, key = false): number {
  let node: unknown = doc.contents;
  let offset = (doc.contents as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
  for (let i = 0; i < p.length; i++) {
    const seg = p[i];
    if (isMap(node)) {
      const pair = node.items.find((it) => (isScalar(it.key) ? it.key.value : it.key) === seg);
      if (!pair) break;
      const k = pair.key as { range?: [number, number, number] };
      const v = pair.value as { range?: [number, number, number] } | null;
      const last = i === p.length - 1;
      const at = last && key ? k : (v ?? k);
      if (at?.range) offset = at.range[0];
      node = pair.value;
    } else if (isSeq(node) && typeof seg === "number") {
      const item = node.items[seg] as { range?: [number, number, number] } | undefined;
      if (!item) break;
      if (item.range) offset = item.range[0];
      node = item;
    } else break;
  }
  return offset;
}

/** `profiles[8] "Account Executive" inherits[1]`: the entry (by index and name) and the field. */
function describePath(data: unknown, p: Path): string {
  if (p.length === 0) return "catalog";
  const [section, index, ...rest] = p;
  let out = String(section);
  if (typeof index === "number") {
    out += `[${index}]`;
    const entry = (data as Record<string, unknown[]> | undefined)?.[String(section)]?.[index] as { name?: unknown } | undefined;
    if (entry && typeof entry.name === "string" && entry.name.trim()) out += ` "${entry.name}"`;
  } else if (index !== undefined) rest.unshift(index);
  let field = "";
  for (const seg of rest) field += typeof seg === "number" ? `[${seg}]` : field ? `.${seg}` : seg;
  return field ? `${out} ${field}` : out;
}

/** Parses and validates catalog text. `file` is only used in messages. Throws CatalogError. */
export function parseCatalog(text: string, file = "catalog.yaml"): Catalog {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const shown = path.basename(file);
  const issues: CatalogIssue[] = [];
  const lines: string[] = [];
  const add = (p: Path, message: string, offset: number, data: unknown) => {
    const { line, col } = lineCounter.linePos(offset);
    issues.push({ path: p, line, column: col, message });
    lines.push(`${shown}:${line}:${col} ${describePath(data, p)}: ${message}`);
  };

  if (doc.errors.length) {
    for (const e of doc.errors) add([], `YAML syntax: ${e.message.split("\n")[0]}`, e.pos[0], undefined);
    throw new CatalogError(file, issues, lines);
  }
  const data = doc.toJS() as unknown;

  const parsed = catalogSchema.safeParse(data ?? {});
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const p = issue.path.map((s) => (typeof s === "symbol" ? String(s) : s)) as Path;
      if (issue.code === "unrecognized_keys") {
        for (const k of issue.keys) {
          const known = issueKnownKeys(p);
          add([...p, k], `unknown field "${k}"${known ? ` (known: ${known})` : ""}`, offsetOf(doc, [...p, k], true), data);
        }
      } else {
        add(p, issue.message, offsetOf(doc, p), data);
      }
    }
    throw new CatalogError(file, issues, lines);
  }

  const catalog = parsed.data;
  for (const problem of crossCheck(catalog)) add(problem.path, problem.message, offsetOf(doc, problem.path), data);
  if (issues.length) throw new CatalogError(file, issues, lines);
  return catalog;
}

function issueKnownKeys(p: Path): string {
  const shape =
    p.length === 0
      ? catalogSchema.shape
      : p[0] === "types" && p.length === 2
        ? typeSchema.shape
        : p[0] === "profiles" && p.length === 2
          ? profileSchema.shape
          : p[0] === "profiles" && p[2] === "entities"
            ? entitySchema.shape
            : undefined;
  return shape ? Object.keys(shape).join(", ") : "";
}

/** Reads and validates a catalog file. Throws CatalogError (or the read error). */
export function loadCatalog(file: string): Catalog {
  return parseCatalog(fs.readFileSync(file, "utf8"), file);
}

/**
 * What the server would refuse, checked up front: names unique, every reference defined, each
 * type's rules (relationships, inheritance, allowed types, limits), no inheritance cycles.
 */
function crossCheck(c: Catalog): { path: Path; message: string }[] {
  const out: { path: Path; message: string }[] = [];
  const types = new Map<string, CatalogType>();
  c.types.forEach((t, i) => {
    if (types.has(t.name)) out.push({ path: ["types", i, "name"], message: `duplicate type name "${t.name}"` });
    else types.set(t.name, t);
  });
  const profiles = new Map<string, CatalogProfile>();
  c.profiles.forEach((p, i) => {
    if (profiles.has(p.name)) out.push({ path: ["profiles", i, "name"], message: `duplicate profile name "${p.name}"` });
    else profiles.set(p.name, p);
  });
  const typeList = [...types.keys()].map((n) => `"${n}"`).join(", ");

  c.types.forEach((t, i) => {
    (t.inheritsFromTypes ?? []).forEach((ref, j) => {
      if (!types.has(ref))
        out.push({ path: ["types", i, "inheritsFromTypes", j], message: `type "${ref}" is not defined in types (defined: ${typeList})` });
    });
    if ((t.inheritsFromTypes?.length ?? 0) > 0 && !t.allowInheritEntities) {
      out.push({ path: ["types", i, "inheritsFromTypes"], message: "inheritsFromTypes needs allowInheritEntities: true" });
    }
  });
  const typeCycle = findCycle([...types.values()].map((t) => [t.name, t.inheritsFromTypes ?? []]));
  if (typeCycle) {
    const i = c.types.findIndex((t) => t.name === typeCycle[0]);
    out.push({
      path: ["types", i, "inheritsFromTypes"],
      message: `inheritsFromTypes refer in a cycle (${typeCycle.map((n) => `"${n}"`).join(" -> ")}): a type is created with the ids of the types it names, so it cannot name itself or a type that names it`,
    });
  }

  c.profiles.forEach((p, i) => {
    const type = types.get(p.type);
    if (!type) {
      out.push({ path: ["profiles", i, "type"], message: `type "${p.type}" is not defined in types (defined: ${typeList})` });
    }
    const entities = p.entities ?? [];
    if (type && entities.length > 0 && !type.allowCreateRelationships) {
      out.push({
        path: ["profiles", i, "entities"],
        message: `type "${type.name}" does not allow entities (set allowCreateRelationships: true on the type, or inherit instead)`,
      });
    }
    if (type && type.maxEntitlements !== undefined && entities.length > type.maxEntitlements) {
      out.push({
        path: ["profiles", i, "entities"],
        message: `${entities.length} entities exceed maxEntitlements ${type.maxEntitlements} of type "${type.name}"`,
      });
    }
    if (type?.requireSingleDatasource && new Set(entities.map((e) => e.datasourceId)).size > 1) {
      out.push({
        path: ["profiles", i, "entities"],
        message: `type "${type.name}" requires a single datasource, got ${[...new Set(entities.map((e) => e.datasourceId))].join(", ")}`,
      });
    }
    const seenEntities = new Set<string>();
    entities.forEach((e, j) => {
      const key = `${e.entityType}\u0000${e.datasourceId}\u0000${e.entityId}`;
      if (seenEntities.has(key))
        out.push({ path: ["profiles", i, "entities", j], message: `duplicate entity ${e.entityType} ${e.entityId}` });
      seenEntities.add(key);
    });
    const inherits = p.inherits ?? [];
    if (type && inherits.length > 0 && !type.allowInheritEntities) {
      out.push({
        path: ["profiles", i, "inherits"],
        message: `type "${type.name}" does not allow inheriting (set allowInheritEntities: true on the type)`,
      });
    }
    inherits.forEach((ref, j) => {
      const other = profiles.get(ref);
      if (!other) {
        out.push({ path: ["profiles", i, "inherits", j], message: `profile "${ref}" is not defined in profiles` });
        return;
      }
      if (ref === p.name) {
        out.push({ path: ["profiles", i, "inherits", j], message: "a profile cannot inherit from itself" });
        return;
      }
      const allowed = type?.inheritsFromTypes ?? [];
      if (type && types.has(other.type) && allowed.length > 0 && !allowed.includes(other.type)) {
        out.push({
          path: ["profiles", i, "inherits", j],
          message: `type "${type.name}" may inherit only from ${allowed.map((n) => `"${n}"`).join(", ")}, but "${ref}" is a "${other.type}"`,
        });
      }
    });
  });
  const cycle = findCycle(c.profiles.map((p) => [p.name, (p.inherits ?? []).filter((r) => r !== p.name)]));
  if (cycle) {
    const i = c.profiles.findIndex((p) => p.name === cycle[0]);
    out.push({ path: ["profiles", i, "inherits"], message: `profiles inherit in a cycle: ${cycle.map((n) => `"${n}"`).join(" -> ")}` });
  }
  return out;
}

/** A cycle in the graph (as names, first repeated at the end), or undefined. */
function findCycle(edges: [string, string[]][]): string[] | undefined {
  const next = new Map(edges);
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === "done") return undefined;
    if (state.get(n) === "open") return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, "open");
    stack.push(n);
    for (const m of next.get(n) ?? []) {
      if (!next.has(m)) continue;
      const c = visit(m);
      if (c) return c;
    }
    stack.pop();
    state.set(n, "done");
    return undefined;
  };
  for (const [n] of edges) {
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

/** Types in an order where every type comes after the types it names in inheritsFromTypes. */
export function typesInDependencyOrder(types: CatalogType[]): CatalogType[] {
  const byName = new Map(types.map((t) => [t.name, t]));
  const done = new Set<string>();
  const out: CatalogType[] = [];
  const visit = (t: CatalogType) => {
    if (done.has(t.name)) return;
    done.add(t.name);
    for (const ref of t.inheritsFromTypes ?? []) {
      const dep = byName.get(ref);
      if (dep) visit(dep);
    }
    out.push(t);
  };
  types.forEach(visit);
  return out;
}
