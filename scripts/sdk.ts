/**
 * The provider plugin's SDKs, generated from provider/plugin/schema.json by Pulumi's own code
 * generators (tools/pulumi-sdkgen, built with Go into the per-user cache beside the CLI's):
 *
 *   npm run sdk -- python|nodejs|go OUTDIR
 *
 * `pulumi package gen-sdk` would do the same through each language's host, but the Python host
 * (github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3) is not served by the Go module
 * proxy these machines reach (403), and our Node.js host does not implement GeneratePackage. SDKs are
 * generated, never committed.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SCHEMA_FILE } from "./schema";
import { runCommand, type Command } from "../provider/command-line";
import { VezaUsageError } from "../provider/errors";

const REPO = path.resolve(__dirname, "..").replace(/[\\/]dist$/, "");
const MODULE_DIR = path.join(REPO, "tools", "pulumi-sdkgen");
export const SDK_LANGUAGES = ["python", "nodejs", "go"] as const;
export type SdkLanguage = (typeof SDK_LANGUAGES)[number];

/** The cached `sdkgen` binary's path, keyed by the module's files. */
function sdkgenPath(): string {
  const h = createHash("sha256");
  for (const f of ["go.mod", "go.sum", "main.go"]) h.update(f).update(fs.readFileSync(path.join(MODULE_DIR, f)));
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "pulumi-veza", "pulumi-sdkgen", h.digest("hex").slice(0, 12), "sdkgen");
}

/** The `sdkgen` binary, built with Go when not cached; or the reason there is none. */
export function ensureSdkgen(): { bin: string } | { bin?: undefined; reason: string } {
  const bin = sdkgenPath();
  if (fs.existsSync(bin)) return { bin };
  if (spawnSync("go", ["version"]).status !== 0) return { reason: "Go is not on PATH to build tools/pulumi-sdkgen" };
  const tmp = `${bin}.tmp-${process.pid}`;
  fs.mkdirSync(path.dirname(bin), { recursive: true });
  const r = spawnSync("go", ["build", "-trimpath", "-o", tmp, "."], {
    cwd: MODULE_DIR,
    encoding: "utf8",
    env: { ...process.env, GOFLAGS: "-mod=readonly", CGO_ENABLED: "0" },
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0)
    return { reason: `building tools/pulumi-sdkgen failed: ${`${r.stderr}${r.stdout}`.trim().split("\n").slice(-5).join("\n")}` };
  fs.renameSync(tmp, bin);
  return { bin };
}

/** Generates the SDK of `language` into `out` (its files listed), or throws with sdkgen's message. */
export function generateSdk(language: SdkLanguage, out: string, schemaFile: string = SCHEMA_FILE): string[] {
  const gen = ensureSdkgen();
  if (!gen.bin) throw new Error("reason" in gen ? gen.reason : "no sdkgen");
  const r = spawnSync(gen.bin, [schemaFile, language, out], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`sdkgen ${language} failed: ${r.stderr}${r.stdout}`);
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else files.push(path.relative(out, p));
    }
  };
  walk(out);
  return files.sort();
}

if (require.main === module) {
  const command = {
    command: "npm run sdk --",
    positionals: `${SDK_LANGUAGES.join("|")} OUTDIR`,
    maxPositionals: 2,
    summary: "Generates the veza provider plugin's SDK in a language from provider/plugin/schema.json, into OUTDIR.",
    options: {},
  } satisfies Command;
  runCommand(command, process.argv.slice(2), ({ positionals: [language, out] }) => {
    if (!SDK_LANGUAGES.includes(language as SdkLanguage))
      throw new VezaUsageError(`the language must be one of ${SDK_LANGUAGES.join(", ")}, got "${language ?? ""}"`);
    if (!out) throw new VezaUsageError("OUTDIR is missing: the folder the SDK is written to");
    try {
      const files = generateSdk(language as SdkLanguage, path.resolve(out));
      console.log(`${files.length} files in ${out}`);
    } catch (e) {
      console.error((e as Error).message);
      return 1;
    }
  });
}
