/**
 * jest's runtime (jest-runtime), with one difference: V8's compiled code of each module a test file
 * loads is kept for the next test file of the same worker. jest compiles every module again in each
 * file's sandbox (a fresh module registry per file: right, for fresh module state); the code V8 makes
 * for the same source is the same, so the next file's compile of it is handed V8's cache and skips the
 * parse and compile. The modules run again as before; V8 checks the cache against the source and
 * compiles afresh when it does not match.
 */
"use strict";
const vm = require("node:vm");
const Runtime = require("jest-runtime").default;
const { memoryStore } = require("../harness/compile-cache");

/** By file and transformed source: V8's code, taken after the module ran (harness/compile-cache.js). */
const compiled = memoryStore();

class RuntimeKeepingCompiledCode extends Runtime {
  createScriptFromCode(source, filename) {
    const Script = vm.Script;
    const key = compiled.key(filename, source);
    const kept = compiled.read(key);
    vm.Script = function ScriptWithCachedData(code, options) {
      const script = new Script(code, { ...options, cachedData: kept });
      if (kept === undefined || script.cachedDataRejected) compiled.write(key, () => script.createCachedData());
      return script;
    };
    try {
      return super.createScriptFromCode(source, filename);
    } finally {
      vm.Script = Script;
    }
  }
}

module.exports = RuntimeKeepingCompiledCode;
