// The modules that load at start but are used only later or never in our processes, and the
// stand-in that loads one on first use. @pulumi/pulumi requires, when it loads, modules it uses only
// for closure serialization (which a provider process never does: it evaluates the `__provider`
// text), the Automation API, tracing, and functions a provider process does not run; zod requires all
// of its ~40 message locales for `z.locales`, which nothing of ours reads. Used by
// lazy-closure-deps.js (provider, program and plugin processes) and tests/jest-resolver.js (jest's own
// loader).
"use strict";

/** Requests, as written in the requiring module, by the package whose modules make them. */
const LAZY_BY_PACKAGE = [
  {
    from: /[\\/]node_modules[\\/]@pulumi[\\/]pulumi[\\/]/,
    requests: new Set([
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
      // a program's tracing (cmd/run/tracing.js), used when the CLI asks for traces: about 80 ms of a program's start
      "@opentelemetry/resources",
      "@opentelemetry/sdk-trace-base",
      "@opentelemetry/sdk-trace-node",
      "@opentelemetry/exporter-zipkin",
      "@opentelemetry/instrumentation",
      "@opentelemetry/instrumentation-grpc",
    ]),
  },
  // `z.locales` (zod/v4/classic and zod/v4/mini): about 45 ms of every process that loads the provider
  { from: /[\\/]node_modules[\\/]zod[\\/]v4[\\/]/, requests: new Set(["../locales/index.cjs"]) },
];

/** Whether `request`, made by the module at `parentPath` (a file or its folder), gets a stand-in. */
function isLazy(request, parentPath) {
  return LAZY_BY_PACKAGE.some((p) => p.requests.has(request) && p.from.test(parentPath));
}

/** An object that stands for `load()`'s module and calls it on first use: the same module and behaviour whenever used. */
function lazyModule(load) {
  let real;
  const get = () => (real ??= load());
  return new Proxy(
    {},
    {
      // tslib's (and zod's) __importStar returns an ES-module-marked object as it is, without enumerating it
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

module.exports = { isLazy, lazyModule };
