/** Helpers of the export tests: the CLI as a child process, and an exported program as a runnable stack program. */
import { spawn } from "node:child_process";
import * as path from "node:path";
import type * as TypeScript from "typescript";

export const REPO = path.resolve(__dirname, "..", "..");

/**
 * Runs `node dist/provider/cli.js` as a child process (asynchronously: a test server may answer from
 * this very process), with `input` on its standard input when given.
 */
export function cli(
  args: string[],
  env: NodeJS.ProcessEnv,
  input?: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO, "dist/provider/cli.js"), ...args], {
      env,
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    if (input !== undefined) child.stdin!.end(input);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill(), 60_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** The program as a function the engine can run again and again (fresh registrations each time). */
export function runnable(source: string): () => void {
  // loaded here, not at the top: most files that import this module only run the CLI (0.23 s of CPU each)
  const ts = require("typescript") as typeof TypeScript;
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  const fn = new Function("require", "exports", "module", js);
  return () => {
    const module = { exports: {} };
    fn(require, module.exports, module);
  };
}
