/**
 * The Pulumi package schema of the `veza` provider plugin, generated from the same sources as the
 * docs: the declarations (../provider/resources/registry.ts: inputs, read-only outputs, replace
 * rules, what is required), the settings (../provider/config.ts SETTINGS: the provider's
 * configuration, `apiToken` secret) and the TSDoc the docs generator reads (scripts/docs.ts:
 * descriptions, nested object types). The plugin serves it (GetSchema); `pulumi package gen-sdk`
 * and the YAML language host read it.
 *
 *   npm run schema          writes provider/plugin/schema.json
 *
 * tests/plugin/schema.test.ts fails when the file is stale, and checks it against Pulumi's package
 * metaschema.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { SETTINGS, type SettingRow } from "../provider/config";
import { PACKAGE, tokenOf } from "../provider/plugin/provider";
import { RESOURCES } from "../provider/resources/registry";
import type { InputSpec } from "../provider/resources/shared/declare";
import { readResources, type Member, type ResourceDoc } from "./docs";
import { runCommand, type Command } from "../provider/command-line";

const ROOT = path.resolve(__dirname, "..").replace(/[\\/]dist$/, "");
export const SCHEMA_FILE = path.join(ROOT, "provider", "plugin", "schema.json");

type TypeSpec = Record<string, unknown>;

/** The object types of the package (the docs' nested interfaces), by name, with their members. */
export type Nested = ReadonlyMap<string, readonly Member[]>;

/** Members as a comparable text: `name:type` (`?` when optional), sorted. */
const shapeOf = (members: readonly { name: string; type: string; optional: boolean }[]) =>
  members
    .map((m) => `${m.name}${m.optional ? "?" : ""}:${m.type.replace(/\s*\|\s*undefined$/, "").trim()}`)
    .sort()
    .join("; ");

/** The members of an inline object type as the docs print it (`{ a: string; b?: number }`). */
function inlineMembers(t: string): { name: string; type: string; optional: boolean }[] {
  return t
    .slice(1, -1)
    .split(";")
    .map((part) => /^\s*(\w+)(\??):\s*(.+?)\s*$/.exec(part))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[1]!, optional: m[2] === "?", type: m[3]! }));
}

/**
 * A type as the docs generator prints it (`string[]`, `Record<string, string>`, `"A" | "B"`,
 * `string | number`, an interface name, an inline object) as a schema type. An inline object is
 * the object type of the same members (an input's `{ type; conditionString }` is the output's
 * `EntityCondition`): without one, the schema cannot name it, and generating it fails saying so.
 */
export function typeSpec(text: string, nested: Nested): TypeSpec {
  const t = text.replace(/\s*\|\s*undefined$/, "").trim();
  if (t.endsWith("[]")) return { type: "array", items: typeSpec(t.slice(0, -2).replace(/^\((.*)\)$/, "$1"), nested) };
  if (t === "string" || /^"[^"]*"( \| "[^"]*")*$/.test(t)) return { type: "string" };
  if (t === "boolean") return { type: "boolean" };
  // every number of this API is a whole number (counts, version numbers, seconds)
  if (t === "number") return { type: "integer" };
  // a name or its number (grantBy, a condition's type): a union of primitives
  if (/^(string|number|boolean)( \| (string|number|boolean))+$/.test(t)) return { oneOf: t.split(" | ").map((p) => typeSpec(p, nested)) };
  const map = /^Record<string, (.+)>$/.exec(t);
  if (map) return { type: "object", additionalProperties: map[1] === "unknown" ? { $ref: "pulumi.json#/Any" } : typeSpec(map[1]!, nested) };
  if (nested.has(t)) return { $ref: `#/types/${tokenOf(t)}` };
  if (t.startsWith("{") && t.endsWith("}")) {
    const shape = shapeOf(inlineMembers(t));
    const named = [...nested].find(([, members]) => shapeOf(members) === shape);
    if (!named)
      throw new Error(
        `schema: the inline object type ${t} has no object type of the same members; declare an interface for it (the schema names object types)`,
      );
    return { $ref: `#/types/${tokenOf(named[0])}` };
  }
  return { $ref: "pulumi.json#/Any" };
}

/** The allowed values of a string-literal union, for the description. */
function allowed(text: string): string | undefined {
  const t = text.replace(/\s*\|\s*undefined$/, "").trim();
  return /^"[^"]*"( \| "[^"]*")+$/.test(t) ? t.split(" | ").join(", ") : undefined;
}

function property(m: Member, nested: Nested, extra: TypeSpec = {}): TypeSpec {
  const values = allowed(m.type);
  const description = [m.doc, values ? `One of ${values}.` : ""].filter(Boolean).join(" ");
  return { ...typeSpec(m.type, nested), ...(description ? { description } : {}), ...extra };
}

function settingType(row: SettingRow): TypeSpec {
  if (typeof row.default === "number") return { type: "integer" };
  if (typeof row.default === "boolean") return { type: "boolean" };
  return { type: "string" };
}

/** The provider's configuration: one property per setting, named as its `veza:*` key without the namespace. */
function configProperties(): Record<string, TypeSpec> {
  const props: Record<string, TypeSpec> = {};
  for (const row of SETTINGS) {
    const name = row.config.slice(PACKAGE.length + 1);
    const env = row.env.length ? ` Environment: ${row.env.join(", then ")}.` : "";
    props[name] = { ...settingType(row), description: `${row.doc}${env}`, ...(row.key === "token" ? { secret: true } : {}) };
  }
  return props;
}

function resourceSpec(doc: ResourceDoc, nested: Nested): TypeSpec {
  const declared = RESOURCES[doc.className]!;
  const inputs = declared.inputs as Record<string, InputSpec>;
  const inputProperties: Record<string, TypeSpec> = {};
  for (const m of doc.inputs) inputProperties[m.name] = property(m, nested, doc.replaces.has(m.name) ? { replaceOnChanges: true } : {});
  const properties: Record<string, TypeSpec> = {};
  for (const m of doc.outputs) properties[m.name] = property(m, nested);
  // the name defaults to the logical name (filled in the plugin's Check), so it is not required there
  const requiredInputs = Object.entries(inputs)
    .filter(([k, s]) => s.required && k !== declared.nameInput)
    .map(([k]) => k);
  const idForm = declared.idForm ? ` Its id is \`${declared.idForm}\` (for \`pulumi import\`).` : "";
  return {
    description: `${doc.summary}${idForm}`,
    properties,
    inputProperties,
    ...(requiredInputs.length ? { requiredInputs } : {}),
  };
}

const ANY_LIST = { type: "array", items: { $ref: "pulumi.json#/Any" } };

/** The look-ups (../provider/lookups.ts), as the functions the plugin serves (Invoke). */
const FUNCTION_SPECS: Record<string, TypeSpec> = {
  listAccessProfiles: {
    description:
      "Every access profile matching the filter (all pages read), camelCase as `pulumi-veza`'s `listAccessProfiles` returns them.",
    inputs: {
      properties: {
        filter: { type: "string", description: 'SCIM filter, e.g. `profile_type eq "<id>"`.' },
        entityExtraInfo: { type: "boolean", description: "Include extra entity details (names, provider ids)." },
      },
    },
    outputs: { properties: { profiles: { ...ANY_LIST, description: "The profiles." } }, required: ["profiles"] },
  },
  getAvailableIntegrations: {
    description: "Integrations that access profiles can use in this tenant.",
    outputs: {
      properties: { integrations: { type: "array", items: { type: "string" }, description: "The integrations." } },
      required: ["integrations"],
    },
  },
};

export async function generateSchema(): Promise<Record<string, unknown>> {
  const docs = await readResources(ROOT);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    version: string;
    homepage?: string;
    license?: string;
    repository?: { url?: string };
  };
  const nested: Nested = new Map(docs.flatMap((d) => [...d.nested]));
  const types: Record<string, TypeSpec> = {};
  for (const d of docs) {
    for (const [name, members] of d.nested) {
      types[tokenOf(name)] = { type: "object", properties: Object.fromEntries(members.map((m) => [m.name, property(m, nested)])) };
      const required = members.filter((m) => !m.optional).map((m) => m.name);
      if (required.length) types[tokenOf(name)]!.required = required;
    }
  }
  const config = configProperties();
  return {
    name: PACKAGE,
    displayName: "Veza",
    version: pkg.version,
    description: "Veza Lifecycle Management access profiles (types, profiles, versions, memberships) as code.",
    keywords: ["pulumi", "veza", "category/utility", "kind/native"],
    homepage: pkg.homepage,
    license: pkg.license,
    repository: pkg.repository?.url?.replace(/^git\+/, "").replace(/\.git$/, ""),
    publisher: "pulumi-veza",
    meta: { moduleFormat: "(.*)" },
    config: { variables: config },
    provider: {
      description:
        "The veza provider: one Veza tenant (its URL and API token). Without an explicit provider, the stack config's `veza:*` keys and the environment configure the default one.",
      inputProperties: config,
    },
    resources: Object.fromEntries(docs.map((d) => [tokenOf(d.className), resourceSpec(d, nested)])),
    functions: Object.fromEntries(Object.entries(FUNCTION_SPECS).map(([name, spec]) => [tokenOf(name), spec])),
    types,
    language: {
      nodejs: { packageName: "@pulumi-veza/veza" },
      python: { packageName: "pulumi_veza" },
      go: { importBasePath: "github.com/pulumi-veza/pulumi-veza/sdk/go/veza" },
      csharp: { rootNamespace: "PulumiVeza" },
    },
  };
}

/** The schema as the file holds it. */
export async function schemaJson(): Promise<string> {
  return `${JSON.stringify(await generateSchema(), null, 2)}\n`;
}

if (require.main === module) {
  const command = {
    command: "npm run schema --",
    summary: "Writes provider/plugin/schema.json, the veza provider plugin's schema.",
    options: {},
  } satisfies Command;
  runCommand(command, process.argv.slice(2), async () => {
    fs.writeFileSync(SCHEMA_FILE, await schemaJson());
    console.log(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
  });
}
