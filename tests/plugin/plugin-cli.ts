/**
 * What the provider plugin's CLI tests need: the real Pulumi CLI (tests/real-cli/cli.ts), the YAML
 * language host tests/global-setup.ts found or built (VEZA_PULUMI_YAML_DIR), the plugin from this
 * checkout (bin/pulumi-resource-veza, which runs dist/: `npm run build` first), and a YAML project
 * whose Pulumi.yaml names the plugin's folder (`plugins.providers[].path`), so the engine runs it
 * without `pulumi plugin install`.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type Emulator } from "../../emulator";
import { CliStack } from "../../harness/pulumi-cli";
import { cli, describeUnless, testStackOptions } from "../real-cli/cli";

const REPO = path.resolve(__dirname, "..", "..");
/** The folder holding `pulumi-resource-veza`. */
export const PLUGIN_DIR = path.join(REPO, "bin");
const BUILT = path.join(REPO, "dist", "provider", "plugin", "server.js");
export const yamlHostDir = process.env.VEZA_PULUMI_YAML_DIR;

/** Why a CLI test of the plugin cannot run with the language host in `hostDir` (`noHost`: why there is none), or undefined. */
export function pluginCliSkipReason(hostDir: string | undefined, noHost: string): string | undefined {
  if (!cli) return process.env.VEZA_PULUMI_CLI_SKIP ?? "no Pulumi CLI";
  if (!hostDir) return noHost;
  if (!fs.existsSync(BUILT)) return `the plugin is not built (${path.relative(REPO, BUILT)} is missing: run npm run build)`;
  return undefined;
}

/** `describe`, or (with a reason) `describe.skip` with the reason in the title. */
export { describeUnless };

/** Why the YAML tests cannot run here, or undefined. */
export const yamlSkipReason = pluginCliSkipReason(yamlHostDir, process.env.VEZA_PULUMI_YAML_SKIP ?? "no YAML language host");

/** `describe` when the CLI, the YAML host and the built plugin are there, else `describe.skip` naming what is missing. */
export const describeWithYaml: jest.Describe = describeUnless(yamlSkipReason);

/** The Pulumi.yaml section that runs the plugin from this checkout (`plugins.providers[].path`). */
export const PLUGIN_FROM_CHECKOUT = `plugins:\n  providers:\n    - name: veza\n      path: ${PLUGIN_DIR}\n`;

/** A Pulumi.yaml of runtime yaml running the plugin from this checkout; `body` holds its config/resources/outputs sections. */
export function yamlProgram(body: string, project = "veza-yaml"): string {
  return `name: ${project}\nruntime: yaml\n${PLUGIN_FROM_CHECKOUT}${body}`;
}

/** A whole Pulumi.yaml (`export --language yaml` writes one) made to run the plugin from this checkout. */
export function withPlugin(pulumiYaml: string): string {
  if (!/^runtime: yaml\n/m.test(pulumiYaml)) throw new Error(`not a Pulumi.yaml of runtime yaml:\n${pulumiYaml}`);
  return pulumiYaml.replace(/^runtime: yaml\n/m, (line) => line + PLUGIN_FROM_CHECKOUT);
}

export interface PluginRig {
  emu: Emulator;
  stack: CliStack;
  /** The program's folder (Pulumi.yaml and the program's files). */
  dir: string;
  close(): Promise<void>;
}

/**
 * An emulator and a CLI stack whose program is `files` (written into a fresh folder, Pulumi.yaml
 * among them), the language host in `hostDir` on PATH beside the CLI (the engine finds hosts there),
 * `veza:url` and the secret `veza:apiToken` set.
 */
export async function pluginRig(o: {
  hostDir: string;
  files: Record<string, string>;
  token: string;
  config?: Record<string, string>;
  secretKeys?: string[];
  env?: Record<string, string>;
}): Promise<PluginRig> {
  if (!cli) throw new Error("no Pulumi CLI");
  const emu = await startEmulator({ token: o.token, seed: 1 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "veza-plugin-program-"));
  for (const [f, text] of Object.entries(o.files)) fs.writeFileSync(path.join(dir, f), text);
  const stack = await CliStack.create({
    cli,
    program: { dir },
    config: { "veza:url": emu.url, "veza:apiToken": o.token, ...(o.config ?? {}) },
    secretKeys: ["veza:apiToken", ...(o.secretKeys ?? [])],
    // the tests' start-up helpers in the plugin's (and a Node program's) processes, as cliRig's stacks have
    ...testStackOptions({ ...(o.env ?? {}), PATH: `${cli.binDir}${path.delimiter}${o.hostDir}${path.delimiter}${process.env.PATH ?? ""}` }),
  });
  return {
    emu,
    stack,
    dir,
    async close() {
      stack.close();
      fs.rmSync(dir, { recursive: true, force: true });
      await emu.close();
    },
  };
}

export interface YamlRig extends PluginRig {
  /** Replaces the program (Pulumi.yaml) by `yamlProgram(body)`. */
  setProgram(body: string): void;
  /** Replaces Pulumi.yaml by this text as it is. */
  setPulumiYaml(text: string): void;
}

export async function yamlRig(
  body: string,
  token: string,
  config: Record<string, string> = {},
  secretKeys: string[] = [],
): Promise<YamlRig> {
  if (!yamlHostDir) throw new Error("no YAML host");
  const rig = await pluginRig({ hostDir: yamlHostDir, files: { "Pulumi.yaml": yamlProgram(body) }, token, config, secretKeys });
  const setPulumiYaml = (text: string) => fs.writeFileSync(path.join(rig.dir, "Pulumi.yaml"), text);
  return { ...rig, setPulumiYaml, setProgram: (b: string) => setPulumiYaml(yamlProgram(b)) };
}
