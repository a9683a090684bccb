/**
 * examples/basic: up and destroy through the engine; then the same program with the provider
 * process running from a temp folder where the package was installed from `npm pack`'s tarball.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { exampleRig, tenant, REPO, type ExampleRig } from "./helpers";

const basic = () => {
  let mod: Record<string, unknown> = {};
  jest.isolateModules(() => {
    mod = require("../../examples/basic/index");
  });
  return mod;
};

let r: ExampleRig;
beforeEach(async () => {
  r = await exampleRig();
});
afterEach(async () => {
  await r.close();
});

test("basic: up creates a type, a profile, its version and a membership; a second up changes nothing; destroy empties the tenant", async () => {
  const e = r.engine();
  const up = await e.up(basic);
  expect(up.errors).toEqual([]);
  expect(up.creates).toBe(4);
  const profile = r.emu.store.findProfileByName("Salesforce Sales User")!;
  expect(up.outputs).toEqual({ profileId: profile.id });
  expect(r.emu.store.currentVersion(profile)!.entities_to_create_relationships_to).toHaveLength(1);
  expect(await e.up(basic)).toMatchObject({ creates: 0, updates: 0, sames: 4, errors: [] });
  expect((await e.destroy()).errors).toEqual([]);
  expect(tenant(r.emu)).toEqual({ types: [], profiles: [] });
});

test("the package installed from its npm pack tarball runs the basic example; __provider requires it instead of inlining code", async () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "veza-pack-"));
  try {
    // dist/ is built by `npm test`; --ignore-scripts so packing does not rebuild
    const packed = JSON.parse(
      execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], {
        cwd: REPO,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      }),
    ) as {
      filename: string;
      files: { path: string }[];
    }[];
    const files = packed[0]!.files.map((f) => f.path);
    expect(files).toContain("dist/provider/index.js");
    expect(files).toContain("dist/provider/index.d.ts");
    expect(files.filter((f) => /^(tests|emulator|bench|scripts|examples|dist\/(tests|emulator|bench|scripts|examples))\//.test(f))).toEqual(
      [],
    );

    // A user's Pulumi program, which has its own @pulumi/pulumi (our peer dependency): linked from this
    // repository. npm installs the tarball and its dependencies (undici, zod) beside it; without
    // --legacy-peer-deps it would also reinstall the peer's ~220 packages from its cache (5.7 s of CPU
    // instead of 1.8 s), which tests npm, not the package.
    const app = path.join(work, "app");
    fs.mkdirSync(path.join(app, "node_modules", "@pulumi"), { recursive: true });
    fs.writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "app", private: true }));
    const tarball = path.join(work, packed[0]!.filename);
    const install = (mode: string) =>
      execFileSync("npm", ["install", mode, "--no-audit", "--no-fund", "--ignore-scripts", "--legacy-peer-deps", tarball], {
        cwd: app,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        timeout: 120_000,
      });
    try {
      install("--offline");
    } catch {
      install("--prefer-offline");
    }
    const installedPackages = fs.readdirSync(path.join(app, "node_modules")).filter((n) => !n.startsWith("."));
    expect(installedPackages.sort()).toEqual(["@pulumi", "pulumi-veza", "undici", "zod"]);
    fs.symlinkSync(path.join(REPO, "node_modules", "@pulumi", "pulumi"), path.join(app, "node_modules", "@pulumi", "pulumi"), "dir");
    const installed = require.resolve("pulumi-veza", { paths: [app] });
    const tarballCopy = path.join(app, "node_modules", "pulumi-veza");
    expect(installed.slice(0, tarballCopy.length)).toBe(tarballCopy);
    expect(fs.lstatSync(path.join(app, "node_modules", "pulumi-veza")).isSymbolicLink()).toBe(false);
    // the installed package loads on its own
    const loaded = execFileSync(
      process.execPath,
      [
        "-e",
        'const v = require("pulumi-veza"); console.log([typeof v.AccessProfile, typeof v.ProfileMembership, typeof v.filter.eq].join(","))',
      ],
      { cwd: app, encoding: "utf8" },
    );
    expect(loaded.trim()).toBe("function,function,function");

    // the provider process runs in the app folder, so require("pulumi-veza") resolves to the tarball's copy
    const e = r.engine({ cwd: app, stateFile: path.join(work, "state.json") });
    const up = await e.up(basic);
    expect(up.errors).toEqual([]);
    expect(up.creates).toBe(4);
    const providers = e
      .state()
      .resources.filter((x) => x.type.startsWith("pulumi-nodejs:dynamic"))
      .map((x) => String(x.inputs.__provider));
    expect(providers).toHaveLength(4);
    for (const p of providers) {
      expect(p).toContain('require("pulumi-veza")');
      expect(p.length).toBeLessThanOrEqual(2048);
      expect(p).not.toMatch(/undici|zod|VezaClient|update_mask/);
    }
    expect((await e.destroy()).errors).toEqual([]);
    expect(tenant(r.emu)).toEqual({ types: [], profiles: [] });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
