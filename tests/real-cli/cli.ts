/**
 * What a real-CLI test needs: the CLI tests/global-setup.ts found (or the reason there is none), a
 * stack on an emulator in this process, and the start-up helpers the test engine preloads into
 * provider processes (harness/README.md: same modules, only loaded later).
 */
import * as path from "node:path";
import { startEmulator, type Emulator, type KnobsPatch } from "../../emulator";
import { CliStack, nameOf, stepsOf, type CliResult, type CliStackOptions } from "../../harness/pulumi-cli";
import type { PulumiCli } from "../../scripts/pulumi-cli";
import { vaultTransitSecrets } from "../support/vault-transit";

export const TOKEN = "veza-cli-token-MUST-NOT-LEAK-77f1";

export const cli: PulumiCli | undefined = process.env.VEZA_PULUMI_CLI_DIR
  ? { binDir: process.env.VEZA_PULUMI_CLI_DIR, version: process.env.VEZA_PULUMI_CLI_VERSION ?? "unknown", source: "cached build" }
  : undefined;

/**
 * A test's bound when it runs CLI commands: each is a few processes (CLI, program, provider), about
 * 2 s on a quiet 2-core machine, and a test runs up to eight; a loaded machine stretches that
 * several times, and a test cut off by jest's 60 s default says nothing about the code.
 */
export const CLI_TEST_TIMEOUT_MS = 240_000;

/** `describe`, or (with a reason) `describe.skip` with the reason in the title. */
export const describeUnless = (reason: string | undefined): jest.Describe =>
  reason ? (((name: string, fn: () => void) => describe.skip(`${name} [skipped: ${reason}]`, fn)) as unknown as jest.Describe) : describe;

/** `describe` (its tests bounded by CLI_TEST_TIMEOUT_MS) when the CLI is there, else `describe.skip` with the reason in the title. */
export const describeWithCli: jest.Describe = cli
  ? (((name: string, fn: () => void) =>
      describe(name, () => {
        jest.setTimeout(CLI_TEST_TIMEOUT_MS);
        fn();
      })) as unknown as jest.Describe)
  : describeUnless(process.env.VEZA_PULUMI_CLI_SKIP ?? "no Pulumi CLI");

const HARNESS = path.resolve(__dirname, "..", "..", "harness");
/**
 * NODE_OPTIONS for the CLI's node processes (program and provider): the test engine's start-up
 * helpers (harness/README.md: V8's compiled code kept, closure-serialization modules loaded on first
 * use). Same modules and behaviour, only the start-up time differs; VEZA_TEST_COMPILE_CACHE=0 leaves
 * them out, as a user's machine runs.
 */
export const NODE_OPTIONS =
  process.env.VEZA_TEST_COMPILE_CACHE === "0"
    ? undefined
    : ["compile-cache.js", "lazy-closure-deps.js"].map((f) => `--require ${path.join(HARNESS, f)}`).join(" ");
const COMPILE_CACHE_DIR = path.resolve(__dirname, "..", "..", "node_modules", ".cache", "veza-provider-compile");
/**
 * The environment of the processes the CLI tests start: what NODE_OPTIONS' helpers need, and
 * GOMAXPROCS=1 for the Go ones (the CLI, its language hosts). Three jest workers share two cores, and
 * a Go process's idle threads spinning for work take CPU the others need; goroutines still interleave
 * as on any machine, and no test measures time. Interleaved full runs: 207 and 218 s without, 203 and
 * 211 s with (the real-CLI and plugin files 5 s less CPU each time).
 */
export const CLI_TEST_ENV: Record<string, string> = {
  GOMAXPROCS: "1",
  ...(NODE_OPTIONS ? { VEZA_COMPILE_CACHE_DIR: COMPILE_CACHE_DIR } : {}),
};

/**
 * A test stack's `nodeOptions`, `env` and `secretsProvider` (CliStackOptions): the start-up helpers
 * above in every node process the CLI starts (program, provider, plugin), `env` over what they need,
 * and the tests' Vault transit stand-in instead of a passphrase (tests/support/vault-transit.ts).
 */
export const testStackOptions = (env: Record<string, string | undefined> = {}) => ({
  nodeOptions: NODE_OPTIONS,
  env: { ...CLI_TEST_ENV, ...env },
  secretsProvider: vaultTransitSecrets,
});

export interface CliRig {
  emu: Emulator;
  stack: CliStack;
  close(): Promise<void>;
}

/**
 * `connection`: "config" (default) sets `veza:url` and `veza:apiToken` (secret) as stack config;
 * "env" passes VEZA_URL and VEZA_API_TOKEN to the CLI's processes instead, two `pulumi config set`
 * fewer (about 2 s of CPU) for a test that is not about configuration.
 */
export async function cliRig(
  program: string,
  o: { knobs?: KnobsPatch; config?: Record<string, string>; stack?: Partial<CliStackOptions>; connection?: "config" | "env" } = {},
): Promise<CliRig> {
  if (!cli) throw new Error("no Pulumi CLI");
  const emu = await startEmulator({ token: TOKEN, seed: 1, knobs: o.knobs });
  const byEnv = o.connection === "env";
  const { env, ...stackOptions } = o.stack ?? {};
  const stack = await CliStack.create({
    cli,
    program,
    config: { ...(byEnv ? {} : { "veza:url": emu.url, "veza:apiToken": TOKEN }), ...(o.config ?? {}) },
    secretKeys: ["veza:apiToken"],
    ...testStackOptions({ ...(byEnv ? { VEZA_URL: emu.url, VEZA_API_TOKEN: TOKEN } : {}), ...env }),
    ...stackOptions,
  });
  return {
    emu,
    stack,
    async close() {
      stack.close();
      await emu.close();
    },
  };
}

/** The CLI's steps of an operation by resource name (the stack and providers left out). */
function opsByName(r: CliResult): Record<string, string> {
  return Object.fromEntries(Object.entries(stepsOf(r.events)).map(([urn, op]) => [nameOf(urn), op]));
}

/**
 * A hand edit in Veza (the labels of the profile "Base", logical name `base`, whose program sets
 * `["a"]`), then refresh, preview and up, each showing what it must: the refresh records the drift,
 * the preview shows an update of `base`, the up puts the program's value back.
 * The dynamic provider's lifecycle and the plugin's (tests/plugin) run the same round trip.
 * `diffReasons`: what the preview's step must name (the plugin's Diff names the changed properties;
 * the dynamic provider's server leaves them out, so the CLI's JSON has none).
 */
export async function expectHandEditRoundTrip(stack: CliStack, emu: Emulator, o: { diffReasons?: string[] } = {}): Promise<void> {
  const ok = (r: CliResult) => {
    if (r.code !== 0) throw new Error(`pulumi exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  const base = emu.store.findProfileByName("Base")!;
  emu.store.updateProfile(base.id, { labels: ["edited-in-veza"] }, ["labels"]);
  expect(opsByName(ok(await stack.refresh())).base).toBe("update");
  const exported = await stack.exportState();
  expect(exported.deployment.resources!.find((x) => nameOf(x.urn) === "base")!.outputs?.labels).toEqual(["edited-in-veza"]);
  const { doc } = await stack.previewJson();
  const step = doc.steps.find((s) => nameOf(s.urn) === "base")!;
  expect(step.op).toBe("update");
  expect(step.diffReasons).toEqual(o.diffReasons);
  expect(opsByName(ok(await stack.up())).base).toBe("update");
  expect(emu.store.findProfileByName("Base")!.labels).toEqual(["a"]);
}
