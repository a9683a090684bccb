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
import type * as pulumi from "@pulumi/pulumi";

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

/**
 * `pulumi.dynamic.Resource` insists on serializing a provider object into `props.__provider`
 * (and rejects props that already have one). This gives it a trivial object to serialize and makes
 * `props.__provider` read as our own module text once the constructor has assigned it.
 */
export const PLACEHOLDER_PROVIDER: pulumi.dynamic.ResourceProvider = {
  async create() {
    // a plain Error, not one of provider/errors.ts: Pulumi serializes this object, and a reference
    // to our error module would be serialized with it (it is never called: see above)
    throw new Error("pulumi-veza: placeholder provider called; the real one is the __provider text");
  },
};

export function withShell(props: Record<string, unknown>, kind: string): Record<string, unknown> {
  const text = shellText(kind);
  let assigned = false;
  Object.defineProperty(props, "__provider", {
    enumerable: true,
    configurable: true,
    get: () => (assigned ? text : undefined),
    set: () => {
      assigned = true;
    },
  });
  return props;
}
