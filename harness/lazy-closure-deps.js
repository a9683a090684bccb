// Preloaded (`node -r`) into the dynamic-provider process started by the test harness. Loading
// @pulumi/pulumi pulls in modules a provider process never uses: `typescript` and `@npmcli/arborist`
// for closure serialization (about 600 ms of the 1.2 s CPU a provider process took to start on a
// build machine; a provider process evaluates the `__provider` text, it never serializes a closure),
// the Automation API (`./automation`, with execa, tmp, js-yaml), the closure code-path walk (fdir,
// picomatch, normalize-package-data, upath), and semver and @opentelemetry/api, which the runtime
// calls only from functions a provider process does not run (package versions, tracing headers to
// the engine): about 70 ms more of each start. Required by
// @pulumi/pulumi, these are loaded on first use instead of at start: the same modules and behaviour
// whenever they are used, and nothing else changes. The real CLI pays the full start; no test asserts
// a time, so this only shortens the test run.
"use strict";
const Module = require("node:module");
const LAZY = new Set([
  "typescript",
  "@npmcli/arborist",
  "./automation",
  "execa",
  "tmp",
  "js-yaml",
  "fdir",
  "picomatch",
  "normalize-package-data",
  "upath",
  "semver",
  "@opentelemetry/api",
]);
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (!LAZY.has(request) || !parent || !/[\\/]@pulumi[\\/]pulumi[\\/]/.test(parent.filename)) return load.apply(this, arguments);
  let real;
  const get = () => (real ??= load.call(this, request, parent, isMain));
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
};
