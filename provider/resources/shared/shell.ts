/**
 * The provider that the engine stores in every resource's state (`__provider`) and hands to the
 * dynamic-provider process, which evaluates it with require-from-string and calls `handler()`.
 *
 * We write that module text ourselves instead of letting `serializeFunction` capture an object:
 * it captures nothing (no token, no config, no code of ours), only the kind, and each method
 * requires the installed package at call time (its `$` dispatcher, resolved from the program's
 * node_modules). About 500 bytes per resource; the closure serializer's rendering of the same
 * seven methods is over 2 KB.
 */
/**
 * The type token prefix of the dynamic resources (`pulumi-nodejs:dynamic/veza:<Kind>`): what
 * `pulumi.dynamic.Resource` makes of its `module` ("veza") and `type` (the kind), which the engine
 * routes to the `pulumi-nodejs` dynamic-provider plugin. Part of every URN: stable across releases.
 */
export const DYNAMIC_TYPE_PREFIX = "pulumi-nodejs:dynamic/veza:";

const METHODS: Record<string, string> = {
  configure: "q",
  check: "o, n",
  diff: "i, o, n",
  create: "n",
  read: "i, p",
  update: "i, o, n",
  delete: "i, p",
};

/** The `__provider` module text for a kind. Stable across releases: old state must keep working. */
export function shellText(kind: string): string {
  const methods = Object.entries(METHODS)
    .map(([m, params]) => `${m}(${params}) { return $("${m}", [${params}]); }`)
    .join(", ");
  return `exports.handler = () => { const $ = (m, a) => require("pulumi-veza").$({ k: ${JSON.stringify(kind)} }, m, a); return { ${methods} }; };\n`;
}
