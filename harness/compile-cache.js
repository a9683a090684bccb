// Preloaded (`node -r`) into the dynamic-provider processes the tests start (harness/provider-process.ts,
// `cacheCompiledModules`): V8's compiled code for the modules under node_modules is kept on disk and
// reused by the next process. A provider process compiles about 6 MB of JavaScript (@pulumi/pulumi,
// undici, zod, @grpc/grpc-js) before it answers, and a test run starts about 800 of them; with the
// cache one starts in about 45 ms less (of some 300 ms) on a 2-core build machine. The same files run
// with the same behaviour; only V8's parse and compile of them is skipped. Node 22.1+ does this itself (`module.enableCompileCache`); on older
// Node the loader's compile step is replaced by one that passes V8 the cached data.
//
// `keepCompiledCode` is that replacement on its own, for any store: the in-process provider host
// (tests/support/in-process.ts) keeps, in memory (`memoryStore`), the compiled code of the package it
// loads afresh for every operation; tests/jest-runtime.js keeps jest's own the same way.
"use strict";
const Module = require("node:module");
const path = require("node:path");
const vm = require("node:vm");

// A module that mentions import() needs the loader's own compile: vm.Script gets no import hook
// here. Except a large one, where the compile is what costs: typescript.js (9 MB, loaded by every
// Pulumi program for closure serialization, about 200 ms of each program's start uncached) mentions
// import() only for tsserver's plugins, which no program or provider runs. Such a module gets the
// main context's loader (Node >= 20.12), which still imports, only with an ExperimentalWarning.
const LARGE = 1 << 20;
const mainLoader = vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;

/**
 * Replaces `NodeModule.prototype._compile` (Node's own module system: `NodeModule` is its Module
 * class) so that the files `store.holds(filename)` accepts (a cheap test: the others go to the loader
 * as before) are compiled with the V8 code `store.read(store.key(filename, content))` returns; when
 * there was none or V8 refused it (V8 checks it against the source), `store.write(key, code)` gets a
 * function that returns V8's code of the module's functions compiled so far.
 */
function keepCompiledCode(NodeModule, store) {
  const compile = NodeModule.prototype._compile;
  NodeModule.prototype._compile = function (content, filename) {
    // a script with a shebang line needs the loader too (it strips the line; vm.Script does not)
    if (!store.holds(filename) || content.startsWith("#!")) return compile.call(this, content, filename);
    const imports = content.includes("import(");
    if (imports && !(mainLoader !== undefined && content.length > LARGE)) return compile.call(this, content, filename);
    const key = store.key(filename, content);
    const cachedData = store.read(key);
    const script = new vm.Script(NodeModule.wrap(content), {
      filename,
      cachedData,
      ...(imports ? { importModuleDynamically: mainLoader } : {}),
    });
    const wrapper = script.runInThisContext({ displayErrors: true });
    const require = (id) => this.require(id);
    require.resolve = (request, options) => NodeModule._resolveFilename(request, this, false, options);
    require.resolve.paths = (request) => NodeModule._resolveLookupPaths(request, this);
    require.main = process.mainModule;
    require.extensions = NodeModule._extensions;
    require.cache = NodeModule._cache;
    const result = wrapper.call(this.exports, this.exports, require, this, filename, path.dirname(filename));
    // V8's code for the functions compiled by then: the store asks once the module ran, or later
    if (cachedData === undefined || script.cachedDataRejected) store.write(key, () => script.createCachedData());
    return result;
  };
}

/**
 * Whether V8's --allow-natives-syntax is on now. V8 refuses compiled code made under other flags, and
 * @pulumi/pulumi turns this flag on while it runs (runtime/closure/v8Hooks.js): a program has it on
 * for the modules it loads after that, a provider process never does. Keyed by it, each keeps its own
 * entries, instead of each refusing and rewriting the other's (about 110 modules a CLI command).
 * Probed (a SyntaxError when off) once, and again only after `v8.setFlagsFromString`, the one way the
 * flag changes at run time; a change missed would cost a refused entry, never wrong code (V8 checks).
 */
let natives;
const v8 = require("node:v8");
const setFlagsFromString = v8.setFlagsFromString;
v8.setFlagsFromString = function (...args) {
  natives = undefined;
  return setFlagsFromString.apply(this, args);
};
function nativesSyntax() {
  if (natives === undefined) {
    try {
      new Function("%IsBeingInterpreted()");
      natives = true;
    } catch {
      natives = false;
    }
  }
  return natives;
}

/** The on-disk store: files under node_modules, keyed by the file as installed, written whole or not at all. */
function diskStore(dir) {
  const crypto = require("node:crypto");
  const fs = require("node:fs");
  fs.mkdirSync(dir, { recursive: true });
  const inNodeModules = `${path.sep}node_modules${path.sep}`;
  return {
    holds: (filename) => filename.includes(inNodeModules),
    key(filename, content) {
      // npm rewrites a file it changes: hashing 6 MB of source each start cost more than the stat
      const { size, mtimeMs } = fs.statSync(filename);
      const flags = nativesSyntax() ? "natives" : "";
      return path.join(
        dir,
        crypto.createHash("sha1").update(`${process.version}\0${flags}\0${filename}\0${size}\0${mtimeMs}\0${content.length}`).digest("hex"),
      );
    },
    read(file) {
      try {
        return fs.readFileSync(file);
      } catch {
        return undefined; // not cached yet
      }
    },
    write(file, code) {
      // now, after the module ran, so the functions it called are in the cache too
      const partial = `${file}.${process.pid}`;
      try {
        fs.writeFileSync(partial, code());
        fs.renameSync(partial, file);
      } catch {
        fs.rmSync(partial, { force: true });
      }
    },
  };
}

/**
 * An in-memory store (`key`, `read` and `write`; the caller says what it holds), keyed by file and
 * source: V8's code is taken from its script when it is first read, not when written, so it holds the
 * functions the module's first run called by then (for code loaded again in the same process).
 */
function memoryStore() {
  const code = new Map();
  return {
    key: (filename, content) => `${filename}\0${content}`,
    read(key) {
      let kept = code.get(key);
      if (typeof kept === "function") code.set(key, (kept = kept()));
      return kept;
    },
    write: (key, take) => code.set(key, take),
  };
}

const dir = process.env.VEZA_COMPILE_CACHE_DIR;
if (dir && typeof Module.enableCompileCache === "function") Module.enableCompileCache(dir);
else if (dir) keepCompiledCode(Module, diskStore(dir));

module.exports = { keepCompiledCode, diskStore, memoryStore };
