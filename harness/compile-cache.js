// Preloaded (`node -r`) into the dynamic-provider processes the tests start (harness/provider-process.ts,
// `cacheCompiledModules`): V8's compiled code for the modules under node_modules is kept on disk and
// reused by the next process. A provider process compiles about 6 MB of JavaScript (@pulumi/pulumi,
// undici, zod, @grpc/grpc-js) before it answers, and a test run starts about 800 of them; with the
// cache one starts in about 45 ms less (of some 300 ms) on a 2-core build machine. The same files run
// with the same behaviour; only V8's parse and compile of them is skipped. Node 22.1+ does this itself (`module.enableCompileCache`); on older
// Node the loader's compile step is replaced by one that passes V8 the cached data.
"use strict";
const Module = require("node:module");
const dir = process.env.VEZA_COMPILE_CACHE_DIR;
if (dir && typeof Module.enableCompileCache === "function") {
  Module.enableCompileCache(dir);
} else if (dir) {
  const crypto = require("node:crypto");
  const fs = require("node:fs");
  const path = require("node:path");
  const vm = require("node:vm");
  fs.mkdirSync(dir, { recursive: true });
  const inNodeModules = `${path.sep}node_modules${path.sep}`;
  // A module that mentions import() needs the loader's own compile: vm.Script gets no import hook
  // here. Except a large one, where the compile is what costs: typescript.js (9 MB, loaded by every
  // Pulumi program for closure serialization, about 200 ms of each program's start uncached) mentions
  // import() only for tsserver's plugins, which no program or provider runs. Such a module gets the
  // main context's loader (Node >= 20.12), which still imports, only with an ExperimentalWarning.
  const LARGE = 1 << 20;
  const mainLoader = vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  const compile = Module.prototype._compile;
  Module.prototype._compile = function (content, filename) {
    // a script with a shebang line needs the loader too (it strips the line; vm.Script does not)
    if (!filename.includes(inNodeModules) || content.startsWith("#!")) return compile.call(this, content, filename);
    const imports = content.includes("import(");
    if (imports && !(mainLoader !== undefined && content.length > LARGE)) return compile.call(this, content, filename);
    // keyed by the file as installed (npm rewrites a file it changes): hashing 6 MB of source each start cost more than the stat
    const { size, mtimeMs } = fs.statSync(filename);
    const file = path.join(
      dir,
      crypto.createHash("sha1").update(`${process.version}\0${filename}\0${size}\0${mtimeMs}\0${content.length}`).digest("hex"),
    );
    let cachedData;
    try {
      cachedData = fs.readFileSync(file);
    } catch {
      // not cached yet
    }
    const script = new vm.Script(Module.wrap(content), {
      filename,
      cachedData,
      ...(imports ? { importModuleDynamically: mainLoader } : {}),
    });
    const wrapper = script.runInThisContext({ displayErrors: true });
    const require = (id) => this.require(id);
    require.resolve = (request, options) => Module._resolveFilename(request, this, false, options);
    require.resolve.paths = (request) => Module._resolveLookupPaths(request, this);
    require.main = process.mainModule;
    require.extensions = Module._extensions;
    require.cache = Module._cache;
    const result = wrapper.call(this.exports, this.exports, require, this, filename, path.dirname(filename));
    if (cachedData === undefined || script.cachedDataRejected) {
      // after the module ran, so the functions it called are in the cache too; written whole or not at all
      const partial = `${file}.${process.pid}`;
      try {
        fs.writeFileSync(partial, script.createCachedData());
        fs.renameSync(partial, file);
      } catch {
        fs.rmSync(partial, { force: true });
      }
    }
    return result;
  };
}
