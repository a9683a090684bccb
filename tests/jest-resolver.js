/**
 * jest's module resolution, with one difference: the modules @pulumi/pulumi requires at load time but
 * uses only for closure serialization, the Automation API, tracing and package versions, and zod's
 * locales (the list is harness/lazy-modules.js, which harness/lazy-closure-deps.js uses for provider
 * processes), resolve to a stand-in that loads the real module on first use. A test file
 * that imports @pulumi/pulumi then spends about 0.07 s of CPU on it instead of 0.74 s (jest compiles
 * every module of a file's registry afresh); a file that serializes a closure loads TypeScript then,
 * the same module with the same behaviour.
 */
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const { isLazy } = require("../harness/lazy-modules");

const STUBS = path.join(__dirname, "..", "node_modules", ".cache", "veza-jest-lazy");

module.exports = (request, options) => {
  const real = options.defaultResolver(request, options);
  if (!isLazy(request, `${options.basedir}${path.sep}`)) return real;
  const stub = path.join(STUBS, `${crypto.createHash("sha1").update(real).digest("hex")}.js`);
  if (!fs.existsSync(stub)) {
    fs.mkdirSync(STUBS, { recursive: true });
    const partial = `${stub}.${process.pid}`;
    fs.writeFileSync(
      partial,
      `module.exports = require(${JSON.stringify(require.resolve("../harness/lazy-modules"))}).lazyModule(() => require(${JSON.stringify(real)}));\n`,
    );
    fs.renameSync(partial, stub);
  }
  return stub;
};
