#!/usr/bin/env node
/**
 * The `pulumi-veza` command.
 *
 *   npx pulumi-veza export [-o|--out <file>]
 *   npx pulumi-veza impact [FILE|-] [--format …]      (provider/impact/)
 *
 * export is a standalone command: connection settings come from the environment only (VEZA_URL, VEZA_API_TOKEN
 * or VEZA_TOKEN, and the VEZA_* tuning variables); stack config reaches only a Pulumi program, so
 * messages name the variables. The token is never printed.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { impactMain } from "./impact";
import { VezaUsageError } from "./errors";

const USAGE = `Usage: pulumi-veza export [-o|--out <file>]

Reads the Veza tenant named by VEZA_URL (token: VEZA_API_TOKEN or VEZA_TOKEN) and writes a
TypeScript Pulumi program that declares every access profile type, access profile, current
version and membership, adopting the existing objects (adoptExisting: true).

  -o, --out <file>   write the program to <file> (default: stdout); progress goes to stderr
  -h, --help         show this help

Environment:
  VEZA_URL                     the tenant, e.g. https://acme.vezacloud.com (required)
  VEZA_API_TOKEN, VEZA_TOKEN   the API token (required; never printed)
  VEZA_REQUEST_TIMEOUT_MS      time limit of one attempt, in ms
  VEZA_MAX_RETRIES             retries after the first attempt
  VEZA_RETRY_DEADLINE_MS       total time one call may take across its attempts, in ms
  VEZA_PROXY, HTTPS_PROXY, NO_PROXY, NODE_EXTRA_CA_CERTS, VEZA_LOG, and the other VEZA_*
  variables of the README's Configuration table work as they do for the provider.
`;

/** The other subcommand (its own help: `pulumi-veza impact --help`). */
const IMPACT_LINE = `
Usage: pulumi-veza impact [FILE] [--format markdown|json|text] [--state FILE] [--fail-on-gain] [--fail-on-loss]

Reads \`pulumi preview --json --show-sames\` (FILE or standard input) and prints who gains and who
loses which entitlements, through which profiles (see pulumi-veza impact --help).
`;

interface Parsed {
  command?: string;
  out?: string;
  help: boolean;
}

export function parseArgs(argv: string[]): Parsed {
  const parsed: Parsed = { help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-h" || a === "--help") parsed.help = true;
    else if (a === "--out" || a === "-o") {
      const v = argv[++i];
      if (!v) throw new VezaUsageError(`${a} needs a file name`);
      parsed.out = v;
    } else if (a.startsWith("--out=")) parsed.out = a.slice("--out=".length);
    else if (!parsed.command && !a.startsWith("-")) parsed.command = a;
    else throw new VezaUsageError(`unknown argument "${a}"`);
  }
  return parsed;
}

export async function main(argv: string[], io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  if (argv[0] === "impact") return impactMain(argv.slice(1), { ...io, stdin: process.stdin });
  let args: Parsed;
  try {
    args = parseArgs(argv);
  } catch (e) {
    io.stderr.write(`pulumi-veza: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help || !args.command) {
    (args.help ? io.stdout : io.stderr).write(USAGE + IMPACT_LINE);
    return args.help ? 0 : 2;
  }
  if (args.command !== "export") {
    io.stderr.write(`pulumi-veza: unknown command "${args.command}"\n\n${USAGE}`);
    return 2;
  }
  // loaded only for export: `impact` in CI starts without the client and the generator (about 1 s)
  const { closeAllPools } = await import("./client/client");
  const { exportTenant } = await import("./export");
  try {
    const { program, tenant } = await exportTenant({ standalone: true, onProgress: (line) => io.stderr.write(`${line}\n`) });
    if (args.out) {
      const file = path.resolve(args.out);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, program);
      io.stderr.write(`wrote ${tenant.types.length} types and ${tenant.profiles.length} profiles to ${args.out}\n`);
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
