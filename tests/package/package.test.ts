/**
 * The package as npm publishes it (scripts/pack.ts: the files package.json lists, a manifest without
 * the repository's scripts and devDependencies), checked on npm's report of the tarball (`npm pack --json`)
 * and on the tarball itself, unpacked where npm installs it in a fresh program:
 * - it holds exactly what it needs: the compiled provider, its typings, its source maps and the
 *   sources they point at, the docs/ pages, LICENSE, README, CHANGELOG; nothing of the tests, emulator, harness, bench;
 * - every link of the Markdown it ships works from the tarball, or names a file of the repository;
 * - every `main`/`types`/`bin`/`exports` target ships; no script, no `$` in the public typings;
 * - a user's program using every export type-checks under Pulumi's own TypeScript template's
 *   tsconfig (as is), strict CommonJS and NodeNext ESM, without esModuleInterop or skipLibCheck and
 *   without loading zod's or undici's typings (tests/package/consumer/), and loads at run time.
 * Needs `dist/` (npm test builds first). Runs in the "all" project only (no tenant involved).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { parse } from "yaml";
import { pack, PACK_DIR, type PackReport } from "../../scripts/pack";
import { ROUTES_MODE } from "../resources/helpers";

const suite = ROUTES_MODE === "all" ? describe : describe.skip;
const REPO = path.resolve(__dirname, "..", "..");
const CONSUMER = path.join(__dirname, "consumer");

suite("the published package", () => {
  let tmp: string;
  let tarball: string;
  let report: PackReport;
  let files: Set<string>;
  /** The tarball unpacked where npm installs it in a program: app/node_modules/pulumi-veza. */
  let shipped: string;
  let manifest: Record<string, any>;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-veza-pack-"));
    ({ tarball, report } = pack(path.join(tmp, "out"), REPO));
    files = new Set(report.files.map((f) => f.path));
    shipped = path.join(tmp, "app", "node_modules", "pulumi-veza");
    fs.mkdirSync(shipped, { recursive: true });
    execFileSync("tar", ["-xzf", tarball, "-C", shipped, "--strip-components=1"]);
    manifest = JSON.parse(fs.readFileSync(path.join(shipped, "package.json"), "utf8"));
  }, 60_000);
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test("holds the compiled provider, its typings, maps and sources, the plugin's schema, the docs, LICENSE, README and CHANGELOG, and nothing else", () => {
    // npm's report names exactly what the tarball holds (the tests below read the report's list)
    expect(listFiles(shipped).sort()).toEqual([...files].sort());
    for (const f of files)
      expect(f).toMatch(
        /^(dist\/provider\/.+\.(js|js\.map|d\.ts)|provider\/.+\.ts|provider\/plugin\/schema\.json|docs\/.+\.md|LICENSE|README\.md|CHANGELOG\.md|package\.json)$/,
      );
    const must = [
      "LICENSE",
      "README.md",
      "CHANGELOG.md",
      "dist/provider/index.js",
      "dist/provider/index.d.ts",
      "dist/provider/cli.js",
      "provider/index.ts",
    ];
    // the provider plugin's executable (the manifest's second bin) and the schema it serves
    for (const f of [...must, "dist/provider/plugin/server.js", "provider/plugin/schema.json"]) expect(files).toContain(f);
    // every compiled module has its typings, and every source its compiled module
    for (const f of files) {
      if (f.endsWith(".js")) expect(files).toContain(f.replace(/\.js$/, ".d.ts"));
      if (f.startsWith("provider/") && f.endsWith(".ts")) expect(files).toContain(`dist/${f.replace(/\.ts$/, ".js")}`);
    }
    expect(fs.readFileSync(path.join(REPO, "LICENSE"), "utf8")).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
  });

  test("every source map a module names ships, and so does every source the map names", () => {
    let maps = 0;
    for (const f of files) {
      if (!f.endsWith(".js")) continue;
      const ref = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(fs.readFileSync(path.join(shipped, f), "utf8"))?.[1];
      if (!ref) continue;
      const mapFile = path.posix.join(path.posix.dirname(f), ref);
      expect(files).toContain(mapFile);
      const map = JSON.parse(fs.readFileSync(path.join(shipped, mapFile), "utf8")) as { sources: string[]; sourceRoot?: string };
      for (const src of map.sources)
        expect(files).toContain(path.posix.normalize(path.posix.join(path.posix.dirname(mapFile), map.sourceRoot ?? "", src)));
      maps++;
    }
    expect(maps).toBeGreaterThan(20);
  });

  test("the manifest: every entry point ships, no scripts or devDependencies, the release metadata is there", () => {
    expect(manifest.scripts).toBeUndefined();
    expect(manifest.devDependencies).toBeUndefined();
    const targets = [
      manifest.main,
      manifest.types,
      ...Object.values(manifest.bin as Record<string, string>),
      ...Object.values(manifest.exports["."] as Record<string, string>),
    ];
    for (const t of targets) expect(files).toContain(path.posix.normalize(t));
    expect(fs.readFileSync(path.join(shipped, manifest.bin["pulumi-veza"]), "utf8")).toMatch(/^#!\/usr\/bin\/env node\n/);
    expect(manifest).toMatchObject({ name: "pulumi-veza", license: "Apache-2.0", engines: { node: ">=22" } });
    expect(manifest.keywords).toEqual(expect.arrayContaining(["pulumi", "veza"]));
    const repo = String(manifest.repository.url)
      .replace(/^git\+/, "")
      .replace(/\.git$/, "");
    expect(repo).toMatch(/^https:\/\/github\.com\/[^/]+\/[^/]+$/);
    expect(manifest.homepage).toBe(`${repo}#readme`);
    expect(manifest.bugs.url).toBe(`${repo}/issues`);
    // @pulumi/pulumi is the user's: a second copy would break resource registration
    expect(manifest.dependencies["@pulumi/pulumi"]).toBeUndefined();
    expect(manifest.peerDependencies["@pulumi/pulumi"]).toBeDefined();
  });

  test("the README names the release tarball of this version from this repository; examples/basic installs the one `npm run pack` writes in a clone", () => {
    const repo = String(manifest.repository.url)
      .replace(/^git\+/, "")
      .replace(/\.git$/, "");
    const tarball = `${repo}/releases/download/v${manifest.version}/pulumi-veza-${manifest.version}.tgz`;
    const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
    expect(readme).toContain(`npm install ${tarball} @pulumi/pulumi`);
    const packed = path.join(PACK_DIR, `pulumi-veza-${manifest.version}.tgz`);
    expect(readme).toContain(`npm install ../pulumi-veza/${path.relative(REPO, packed)} @pulumi/pulumi`);
    // installable today, from a clone: a file: tarball (a copy, not a link to the repository and its own @pulumi/pulumi)
    const basic = JSON.parse(fs.readFileSync(path.join(REPO, "examples/basic/package.json"), "utf8"));
    expect(basic.dependencies["pulumi-veza"]).toBe(`file:${path.relative(path.join(REPO, "examples/basic"), packed)}`);
    expect(basic.engines.node).toBe(manifest.engines.node);
    // compiled as `pulumi new typescript` compiles a stack; no lockfile left behind by its npm install (the tarball changes with every pack)
    expect(fs.readFileSync(path.join(REPO, "examples/basic/tsconfig.json"), "utf8")).toBe(
      fs.readFileSync(path.join(CONSUMER, "pulumi-template/tsconfig.json"), "utf8"),
    );
    expect(fs.readFileSync(path.join(REPO, "examples/basic/.npmrc"), "utf8")).toMatch(/^package-lock=false$/m);
  });

  test("the internal `$` dispatcher is not in the public typings (the run-time test below checks it still exists)", () => {
    for (const f of files) {
      if (!f.endsWith(".d.ts")) continue;
      const text = fs.readFileSync(path.join(shipped, f), "utf8");
      expect(`${f}: ${/export (declare function \$|\{[^}]*\$[^}]*\})/.test(text)}`).toBe(`${f}: false`);
    }
  });

  test("the release workflow: on a version tag, tests on Node 22 and 24, then packs this way and publishes with provenance", () => {
    const wf = parse(fs.readFileSync(path.join(REPO, ".github/workflows/release.yml"), "utf8")) as any;
    expect(wf.on.push.tags).toEqual(["v*"]);
    expect(wf.jobs.test.strategy.matrix["node-version"]).toEqual([22, 24]);
    const minimum = Number(/>=\s*(\d+)/.exec(manifest.engines.node)![1]);
    expect(Math.min(...wf.jobs.test.strategy.matrix["node-version"])).toBe(minimum);
    expect(wf.jobs.test.steps.map((x: any) => x.run).filter(Boolean)).toEqual(["npm ci", "npm test"]);
    expect(wf.jobs.publish.needs).toBe("test");
    expect(wf.jobs.publish.permissions["id-token"]).toBe("write");
    const runs: string[] = wf.jobs.publish.steps.map((x: any) => x.run ?? "");
    expect(runs.some((r) => /^npm run pack\b/.test(r))).toBe(true);
    expect(runs.some((r) => /^npm publish \.pack\/pulumi-veza-\*\.tgz .*--provenance/.test(r))).toBe(true);
    // publishing is switched on by a repository variable, not by a token's presence (trusted publishing has none)
    const publish = wf.jobs.publish.steps.find((x: any) => /^npm publish /.test(x.run ?? ""));
    expect(publish.if).toBe("vars.NPM_PUBLISH == 'true'");
    expect(JSON.stringify(wf)).not.toMatch(/NODE_AUTH_TOKEN != ''/);
    expect(runs.some((r) => /^npm install -g npm@\^11\.5\.1$/.test(r))).toBe(true);
    expect(runs.some((r) => /gh release create .*\.tgz/.test(r))).toBe(true);
  });

  describe("a fresh program with the tarball installed", () => {
    let app: string;
    beforeAll(() => {
      // the tarball is unpacked in app/node_modules/pulumi-veza (above)
      app = path.join(tmp, "app");
      // the name examples/basic's file: dependency expects in .pack/
      expect(path.basename(tarball)).toBe(`pulumi-veza-${manifest.version}.tgz`);
      // the package's dependencies and the user's own, as npm would install them (linked from this repository: no network)
      for (const dep of ["@pulumi/pulumi", "undici", "zod", "@types/node"]) {
        fs.mkdirSync(path.dirname(path.join(app, "node_modules", dep)), { recursive: true });
        fs.symlinkSync(fs.realpathSync(path.join(REPO, "node_modules", dep)), path.join(app, "node_modules", dep), "dir");
      }
      fs.writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "consumer", private: true }));
    });

    /**
     * One configuration per way a user's program is compiled, each a tsconfig.json in
     * tests/package/consumer/<dir>/ (with its package.json), checked as `tsc -p` would: the program is
     * copied in as index.ts. pulumi-template/tsconfig.json is `pulumi new typescript`'s own, copied
     * as is from github.com/pulumi/templates (typescript/tsconfig.json at 65db26b, 2026-08-04).
     * None sets esModuleInterop or skipLibCheck: every .d.ts the program loads is checked, so a
     * dependency's typings in ours (zod's fail without esModuleInterop) break it.
     */
    const CONFIGURATIONS = [
      { dir: "pulumi-template", program: "program.cts", what: "Pulumi's TypeScript template (nodenext, CommonJS package)" },
      { dir: "commonjs-strict", program: "program.cts", what: "strict CommonJS with node10 resolution" },
      { dir: "nodenext-esm", program: "program.mts", what: "strict NodeNext, an ES module package" },
    ];
    test.each(CONFIGURATIONS)(
      "type-checks under $dir/tsconfig.json ($what), loading no dependency's typings",
      ({ dir, program: source }) => {
        const project = path.join(app, dir);
        fs.cpSync(path.join(CONSUMER, dir), project, { recursive: true });
        fs.copyFileSync(path.join(CONSUMER, source), path.join(project, "index.ts"));
        const parsed = ts.getParsedCommandLineOfConfigFile(
          path.join(project, "tsconfig.json"),
          { noEmit: true },
          {
            ...ts.sys,
            onUnRecoverableConfigFileDiagnostic: (d) => {
              throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
            },
          },
        )!;
        expect(parsed.errors).toEqual([]);
        expect(parsed.options.esModuleInterop).toBeUndefined();
        expect(parsed.options.skipLibCheck).toBeUndefined();
        expect(parsed.options.strict).toBe(true);
        const program = ts.createProgram(parsed.fileNames, parsed.options);
        const problems = ts.getPreEmitDiagnostics(program).map((d) => {
          const where = d.file
            ? `${path.relative(app, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
            : "";
          return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
        });
        expect(problems).toEqual([]);
        const loaded = program.getSourceFiles().map((s) => path.relative(app, s.fileName));
        // the types came from the tarball, not from this repository's sources
        expect(loaded).toContain("node_modules/pulumi-veza/dist/provider/index.d.ts");
        expect(loaded.filter((n) => n.includes("pulumi-veza") && !n.startsWith("node_modules/pulumi-veza/dist/"))).toEqual([]);
        // our dependencies' typings stay out of the user's compilation (@pulumi/pulumi is the user's own)
        // (symlinked here, so TypeScript names them by their real path)
        expect(loaded.filter((n) => /(^|\/)node_modules\/(zod|undici)\//.test(n))).toEqual([]);
        // the ES module package compiles index.ts as ESM, the others as CommonJS
        const index = program.getSourceFile(path.join(project, "index.ts"))!;
        expect(index.impliedNodeFormat ?? ts.ModuleKind.CommonJS).toBe(
          dir === "nodenext-esm" ? ts.ModuleKind.ESNext : ts.ModuleKind.CommonJS,
        );
      },
      120_000,
    );

    test("the CommonJS program uses every name the package exports (values and types)", () => {
      const program = ts.createProgram([path.join(app, "node_modules/pulumi-veza/dist/provider/index.d.ts")], {
        strict: true,
        noEmit: true,
        types: [],
      });
      const checker = program.getTypeChecker();
      const index = program.getSourceFile(path.join(app, "node_modules/pulumi-veza/dist/provider/index.d.ts"))!;
      const exported = checker.getExportsOfModule(checker.getSymbolAtLocation(index)!).map((s) => s.name);
      expect(exported.length).toBeGreaterThan(20);
      const cjs = fs.readFileSync(path.join(CONSUMER, "program.cts"), "utf8");
      expect(exported.filter((name) => !new RegExp(`\\bveza\\.${name.replace("$", "\\$")}\\b`).test(cjs))).toEqual([]);
    }, 60_000);

    test("every link in the Markdown it ships works from the tarball (relative: a shipped file and heading) or names a file of the repository", () => {
      const repo = String(manifest.repository.url)
        .replace(/^git\+/, "")
        .replace(/\.git$/, "");
      const markdown = listFiles(shipped).filter((f) => f.endsWith(".md"));
      expect(markdown).toEqual(
        expect.arrayContaining(["README.md", "CHANGELOG.md", "docs/index.md", "docs/lookups.md", "docs/configuration.md"]),
      );
      const broken: string[] = [];
      let checked = 0;
      const check = (root: string, file: string, inRepository: boolean) => {
        for (const target of markdownLinks(fs.readFileSync(path.join(root, file), "utf8"))) {
          checked++;
          const problem = linkProblem(root, file, target, repo, inRepository);
          if (problem) broken.push(`${file}: (${target}) ${problem}`);
        }
      };
      for (const file of markdown) check(shipped, file, false);
      // what the repository shows only (not shipped): its links are read in the repository
      check(REPO, "CONTRIBUTING.md", true);
      // and the files CONTRIBUTING names (its layout block's first column, paths in code spans) exist
      const contributing = fs.readFileSync(path.join(REPO, "CONTRIBUTING.md"), "utf8");
      const layout = /^## How the code is laid out\n\n```\n([\s\S]*?)^```/m.exec(contributing)![1]!;
      const named = [
        ...layout.split("\n").flatMap((l) => (/^\S/.test(l) ? l.split(/\s{2,}/)[0]!.split(/,\s*/) : [])),
        ...[...contributing.matchAll(/`([\w.-]+\/[\w./-]*)`/g)].map((m) => m[1]!),
      ].filter((f) => f && !f.includes("<"));
      expect(named.length).toBeGreaterThan(20);
      // a path is named from the repository's root, or inside provider/ or provider/resources/ (`shared/fields.ts`)
      const exists = (f: string) => ["", "provider", "provider/resources"].some((base) => fs.existsSync(path.join(REPO, base, f)));
      const within = (f: string, row: string) => fs.existsSync(path.join(REPO, path.dirname(row), f));
      const firstOfRow = new Map<string, string>();
      for (const l of layout.split("\n"))
        if (/^\S/.test(l)) {
          const cols = l.split(/\s{2,}/)[0]!.split(/,\s*/);
          for (const c of cols) firstOfRow.set(c, cols[0]!);
        }
      for (const f of named)
        if (!exists(f) && !within(f, firstOfRow.get(f) ?? ""))
          broken.push(`CONTRIBUTING.md names ${f}, which the repository does not have`);
      expect(broken).toEqual([]);
      expect(checked).toBeGreaterThan(50);
    });

    test("loads at run time from CommonJS and from an ES module with the same named exports; the serialized provider's `$` is there", () => {
      const names = [
        "AccessProfile",
        "AccessProfileType",
        "AccessProfileVersion",
        "ProfileMembership",
        "VezaClient",
        "VezaApi",
        "VezaApiError",
        "VezaConfigError",
        "VezaError",
        "ENDPOINTS",
        "BASE_PATH",
        "filter",
        "listAccessProfiles",
        "getAvailableIntegrations",
      ];
      const check = `const missing = ${JSON.stringify(names)}.filter((n) => veza[n] === undefined); if (missing.length) throw new Error("missing: " + missing); console.log(veza.filter.eq("current_version_number", 3));`;
      const run = (args: string[]) =>
        execFileSync(process.execPath, args, { cwd: app, encoding: "utf8", env: { ...process.env, PULUMI_CONFIG: undefined } }).trim();
      expect(run(["-e", `const veza = require("pulumi-veza"); ${check}`])).toBe("current_version_number eq 3");
      // what every resource's __provider calls (shared/shell.ts): internal, untyped, but present
      expect(run(["-e", `console.log(typeof require("pulumi-veza").$)`])).toBe("function");
      expect(
        run([
          "--input-type=module",
          "-e",
          `import * as veza from "pulumi-veza"; import { AccessProfile } from "pulumi-veza"; if (AccessProfile !== veza.AccessProfile) throw new Error("named export differs"); ${check}`,
        ]),
      ).toBe("current_version_number eq 3");
    }, 60_000);

    test("loads without @pulumi/pulumi's index (which loads all of the SDK): the package, its command and its plugin's server", () => {
      const sdkIndexLoaded = (requires: string[]) =>
        execFileSync(
          process.execPath,
          [
            "-e",
            `${requires.map((m) => `require(${JSON.stringify(m)});`).join(" ")} console.log(Object.keys(require.cache).some((f) => f.endsWith("/@pulumi/pulumi/index.js")))`,
          ],
          { cwd: app, encoding: "utf8", env: { ...process.env, PULUMI_CONFIG: undefined } },
        ).trim();
      // the bin entries (`pulumi-veza`, `pulumi-resource-veza`), required: they run only as a main module
      const bin = (name: string) => path.join(app, "node_modules/pulumi-veza", manifest.bin[name]);
      expect(sdkIndexLoaded(["pulumi-veza", bin("pulumi-veza"), bin("pulumi-resource-veza")])).toBe("false");
      // the control: a program's own import of the SDK loads it
      expect(sdkIndexLoaded(["pulumi-veza", "@pulumi/pulumi"])).toBe("true");
    }, 60_000);
  });
});

/** Every file under `dir`, relative, with "/" separators. */
function listFiles(dir: string, rel = ""): string[] {
  return fs
    .readdirSync(path.join(dir, rel), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(dir, `${rel}${e.name}/`) : [`${rel}${e.name}`]));
}

/** The targets of a Markdown text's links (`[text](target)`), outside code blocks and code spans. */
function markdownLinks(text: string): string[] {
  const prose = text.replace(/^```[\s\S]*?^```/gm, "").replace(/`[^`\n]*`/g, "");
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchors(markdown: string): Set<string> {
  const headings = markdown.replace(/^```[\s\S]*?^```/gm, "").match(/^#{1,6} .*$/gm) ?? [];
  return new Set(
    headings.map((h) =>
      h
        .replace(/^#+ /, "")
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, "")
        .replace(/ /g, "-"),
    ),
  );
}

/**
 * Why a link does not work, or undefined. Relative links must name a file of `root` (the tarball, or
 * the repository for `inRepository`) and, with a fragment, a heading of that file; absolute links are
 * https, and those into the repository (`<repo>/blob/main/<path>`, `<repo>/tree/main/<path>`) must
 * name a file or folder the repository has and does not ignore. Other sites are not fetched.
 */
function linkProblem(root: string, file: string, target: string, repo: string, inRepository: boolean): string | undefined {
  if (/^[a-z]+:/i.test(target)) {
    if (!target.startsWith("https://")) return "not https";
    const inRepo = new RegExp(`^${repo.replace(/[.]/g, "\\.")}/(blob|tree)/main/([^#?]+)`).exec(target);
    if (target.startsWith(repo) && !inRepo && !/\/releases\/download\/|\/issues$/.test(target))
      return "a repository link that names no file";
    if (!inRepo) return undefined;
    const rel = decodeURIComponent(inRepo[2]!);
    if (!fs.existsSync(path.join(REPO, rel))) return `the repository has no ${rel}`;
    try {
      execFileSync("git", ["check-ignore", "-q", rel], { cwd: REPO });
      return `${rel} is ignored by git`;
    } catch {
      return undefined; // exit 1: not ignored
    }
  }
  const [relPath, fragment] = target.split("#") as [string, string | undefined];
  const resolved = relPath ? path.join(path.dirname(path.join(root, file)), decodeURIComponent(relPath)) : path.join(root, file);
  if (!path.resolve(resolved).startsWith(path.resolve(root))) return "points outside the package";
  if (!fs.existsSync(resolved)) return inRepository ? "no such file in the repository" : "no such file in the tarball";
  if (fragment && resolved.endsWith(".md") && !anchors(fs.readFileSync(resolved, "utf8")).has(fragment)) return `no heading #${fragment}`;
  return undefined;
}
