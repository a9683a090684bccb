// The modules @pulumi/pulumi requires when it loads but uses only for closure serialization (which a
// provider process never does: it evaluates the `__provider` text), the Automation API, and functions
// a provider process does not run; and the stand-in that loads one on first use. Used by
// lazy-closure-deps.js (provider and program processes) and tests/jest-resolver.js (jest's own loader).
"use strict";
/** Names as @pulumi/pulumi requires them. */
const LAZY = new Set([
  // closure serialization: about 600 ms of the 1.2 s of CPU a provider process took to start
  "typescript",
  "@npmcli/arborist",
  // the Automation API, with what only it uses
  "./automation",
  "execa",
  "tmp",
  "js-yaml",
  // the closure code-path walk
  "fdir",
  "picomatch",
  "normalize-package-data",
  "upath",
  // package versions and tracing headers to the engine: about 70 ms more of each start
  "semver",
  "@opentelemetry/api",
]);

/** An object that stands for `load()`'s module and calls it on first use: the same module and behaviour whenever used. */
function lazyModule(load) {
  let real;
  const get = () => (real ??= load());
  return new Proxy(
    {},
    {
      // tslib's __importStar returns an ES-module-marked object as it is, without enumerating it
      get: (_, key) => (key === "__esModule" ? true : get()[key]),
      has: (_, key) => key in get(),
      ownKeys: () => Reflect.ownKeys(get()),
      getOwnPropertyDescriptor: (_, key) => {
        const d = Object.getOwnPropertyDescriptor(get(), key);
        return d && { ...d, configurable: true };
      },
    },
  );
}

module.exports = { LAZY, lazyModule };
