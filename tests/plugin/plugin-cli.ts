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
import { cli } from "../real-cli/cli";

const REPO = path.resolve(__dirname, "..", "..");
/** The folder holding `pulumi-resource-veza`. */
export const PLUGIN_DIR = path.join(REPO, "bin");
const BUILT = path.join(REPO, "dist", "provider", "plugin", "server.js");
export const yamlHostDir = process.env.VEZA_PULUMI_YAML_DIR;

/** Why the YAML tests cannot run here, or undefined. */
export const yamlSkipReason: string | undefined = !cli
  ? (process.env.VEZA_PULUMI_CLI_SKIP ?? "no Pulumi CLI")
  : !yamlHostDir
    ? (process.env.VEZA_PULUMI_YAML_SKIP ?? "no YAML language host")
    : !fs.existsSync(BUILT)
      ? `the plugin is not built (${path.relative(REPO, BUILT)} is missing: run npm run build)`
      : undefined;

/** `describe` when the CLI, the YAML host and the built plugin are there, else `describe.skip` naming what is missing. */
export const describeWithYaml: jest.Describe = yamlSkipReason
  ? (((name: string, fn: () => void) => describe.skip(`${name} [skipped: ${yamlSkipReason}]`, fn)) as unknown as jest.Describe)
  : describe;

/** The Pulumi.yaml section that runs the plugin from this checkout. */
const PLUGINS = `plugins:\n  providers:\n    - name: veza\n      path: ${PLUGIN_DIR}\n`;

/** A Pulumi.yaml of runtime yaml running the plugin from this checkout; `body` holds its config/resources/outputs sections. */
export function yamlProgram(body: string, project = "veza-yaml"): string {
  return `name: ${project}\nruntime: yaml\n${PLUGINS}${body}`;
}

/** A whole Pulumi.yaml (`export --language yaml` writes one) made to run the plugin from this checkout. */
export function withPlugin(pulumiYaml: string): string {
  if (!/^runtime: yaml\n/m.test(pulumiYaml)) throw new Error(`not a Pulumi.yaml of runtime yaml:\n${pulumiYaml}`);
  return pulumiYaml.replace(/^runtime: yaml\n/m, (line) => line + PLUGINS);
}

export interface YamlRig {
  emu: Emulator;
  stack: CliStack;
  /** Replaces the program (Pulumi.yaml) by `yamlProgram(body)`. */
  setProgram(body: string): void;
  /** Replaces Pulumi.yaml by this text as it is. */
  setPulumiYaml(text: string): void;
  close(): Promise<void>;
}

export async function yamlRig(body: string, token: string, config: Record<string, string> = {}, secretKeys: string[] = []): Promise<YamlRig> {
  if (!cli || !yamlHostDir) throw new Error("no Pulumi CLI or YAML host");
  const emu = await startEmulator({ token, seed: 1 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "veza-yaml-program-"));
  const setPulumiYaml = (text: string) => fs.writeFileSync(path.join(dir, "Pulumi.yaml"), text);
  const setProgram = (b: string) => setPulumiYaml(yamlProgram(b));
  setProgram(body);
  const stack = await CliStack.create({
    cli,
    program: { dir },
    config: { "veza:url": emu.url, "veza:apiToken": token, ...config },
    secretKeys: ["veza:apiToken", ...secretKeys],
    // the YAML host beside the CLI (the engine finds language hosts on PATH)
    env: { PATH: `${cli.binDir}${path.delimiter}${yamlHostDir}${path.delimiter}${process.env.PATH ?? ""}` },
  });
  return {
    emu,
    stack,
    setProgram,
    setPulumiYaml,
    async close() {
      stack.close();
      fs.rmSync(dir, { recursive: true, force: true });
      await emu.close();
    },
  };
}
