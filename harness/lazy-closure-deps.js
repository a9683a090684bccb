// Preloaded (`node -r`) into the dynamic-provider processes the test harness starts, and into the
// real CLI's program and provider processes in tests (tests/real-cli/cli.ts). The modules of
// ./lazy-modules.js, when the packages it names require them, are loaded on first use instead of at start:
// the same modules and behaviour whenever they are used, and nothing else changes. The real CLI pays
// the full start for users; no test asserts a time, so this only shortens the test run.
"use strict";
const Module = require("node:module");
const { isLazy, lazyModule } = require("./lazy-modules");

const load = Module._load;
Module._load = function (request, parent, isMain, ...rest) {
  if (!parent?.filename || !isLazy(request, parent.filename)) return load.call(this, request, parent, isMain, ...rest);
  return lazyModule(() => load.call(this, request, parent, isMain));
};
