#!/usr/bin/env node
/**
 * The `pulumi-veza` command.
 *
 *   npx pulumi-veza export [-o FILE] [--language typescript|yaml] [--project NAME]   (EXPORT_COMMAND: its flags and --help)
 *   npx pulumi-veza impact [FILE|-] [--format …]      (provider/impact/: IMPACT_COMMAND)
 *
 * export is a standalone command: connection settings come from the environment only (VEZA_URL, VEZA_API_TOKEN
 * or VEZA_TOKEN, and the VEZA_* tuning variables); stack config reaches only a Pulumi program, so
 * messages name the variables. The token is never printed.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { IMPACT_COMMAND, impactMain } from "./impact";
import { helpText, parseOrExit, usageLine, type Command } from "./command-line";
import { checkProjectName, DEFAULT_PROJECT } from "./export/project";
import type { ProgramLanguage } from "./export/generate";

/** `pulumi-veza export`'s flags (also its --help and docs/commands.md). */
export const EXPORT_COMMAND = {
  command: "pulumi-veza export",
  summary:
    "Reads the Veza tenant named by VEZA_URL (token: VEZA_API_TOKEN or VEZA_TOKEN) and writes a Pulumi program that declares every access profile type, access profile, current version and membership, adopting the existing objects (adoptExisting: true).",
  maxPositionals: 0,
  options: {
    out: { type: "string", short: "o", value: "FILE", description: "write the program to FILE (default: stdout); progress goes to stderr" },
    language: {
      type: "string",
      choices: ["typescript", "yaml"] satisfies ProgramLanguage[],
      default: "typescript",
      description:
        'typescript: an index.ts on the dynamic resources (import * as veza from "pulumi-veza"); yaml: a Pulumi.yaml of runtime yaml on the veza provider plugin (veza:index:* resources)',
    },
    project: {
      type: "parsed",
      value: "NAME",
      parse: checkProjectName,
      description: `the YAML project's name (Pulumi.yaml's name; default ${DEFAULT_PROJECT}): a stack moving to the plugin keeps its project's name`,
    },
  },
  epilog: `Environment:
  VEZA_URL                     the tenant, e.g. https://acme.vezacloud.com (required)
  VEZA_API_TOKEN, VEZA_TOKEN   the API token (required; never printed)
  VEZA_REQUEST_TIMEOUT_MS      time limit of one attempt, in ms
  VEZA_MAX_RETRIES             retries after the first attempt
  VEZA_RETRY_DEADLINE_MS       total time one call may take across its attempts, in ms
  VEZA_PROXY, HTTPS_PROXY, NO_PROXY, NODE_EXTRA_CA_CERTS, VEZA_LOG, and the other VEZA_*
  variables of the README's Configuration table work as they do for the provider.`,
} satisfies Command;

/** `pulumi-veza` alone, or with --help: both subcommands. */
const TOP_HELP = `Usage: pulumi-veza export|impact [options]   (pulumi-veza <command> --help: its options)

${helpText(EXPORT_COMMAND)}
${usageLine(IMPACT_COMMAND)}

Reads \`pulumi preview --json --show-sames\` (FILE or standard input) and prints who gains and who
loses which entitlements, through which profiles (see pulumi-veza impact --help).
`;

export async function main(argv: string[], io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "impact") return impactMain(rest, { ...io, stdin: process.stdin });
  if (command === "-h" || command === "--help" || command === undefined) {
    (command ? io.stdout : io.stderr).write(TOP_HELP);
    return command ? 0 : 2;
  }
  if (command !== "export") {
    io.stderr.write(`pulumi-veza: unknown command "${command}"; the commands are export and impact\n\n${TOP_HELP}`);
    return 2;
  }
  const args = parseOrExit(EXPORT_COMMAND, rest, io);
  if (typeof args === "number") return args;
  const { out, language, project } = args.values;
  if (project !== undefined && language !== "yaml") {
    io.stderr.write(`${EXPORT_COMMAND.command}: --project names the YAML project: it needs --language yaml\n\n${helpText(EXPORT_COMMAND)}`);
    return 2;
  }
  // loaded only for export: `impact` in CI starts without the client and the generator (about 1 s)
  const { closeAllPools } = await import("./client/client");
  const { exportTenant } = await import("./export");
  try {
    const { program, tenant } = await exportTenant({
      standalone: true,
      language,
      project,
      onProgress: (line) => io.stderr.write(`${line}\n`),
    });
    if (out) {
      const file = path.resolve(out);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, program);
      io.stderr.write(`wrote ${tenant.types.length} types and ${tenant.profiles.length} profiles to ${out}\n`);
    } else {
      io.stdout.write(program);
    }
    return 0;
  } catch (e) {
    // VezaApiError and VezaConfigError messages never contain the token
    io.stderr.write(`pulumi-veza export failed: ${(e as Error)?.message ?? String(e)}\n`);
    return 1;
  } finally {
    await closeAllPools();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`pulumi-veza: ${(e as Error)?.message ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
