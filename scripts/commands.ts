/**
 * The commands docs/commands.md documents, each by its option table (provider/command-line.ts), and
 * `npm start`'s table. Light on purpose: the docs generator and the tests read the tables without
 * loading what the commands run.
 */
import type { Command } from "../provider/command-line";
import { EXPORT_COMMAND } from "../provider/cli";
import { IMPACT_COMMAND } from "../provider/impact";
import { EMULATOR_COMMAND } from "../emulator/cli";
import { BENCH_CLI_COMMAND, BENCH_COMMAND, BENCH_SCALE_COMMAND, SOAK_COMMAND } from "../bench/options";

/** `npm start`'s flags (also its --help); its environment variables are in scripts/start.ts's comment and the README. */
export const START_COMMAND = {
  command: "npm start --",
  summary:
    "The root stack (Pulumi.yaml → examples/bootstrap) against a local Veza emulator (or the tenant VEZA_URL names): catalog check, impact, up, and a preview that must show no changes.",
  maxPositionals: 0,
  options: {
    reset: { type: "boolean", description: "remove the local emulator's tenant (.data/) and the stack's state (.pulumi-local/) first" },
  },
} satisfies Command;

/** The package's commands, then the repository's: each one's --help is a section of commands.md. */
export const PACKAGE_COMMANDS: readonly Command[] = [EXPORT_COMMAND, IMPACT_COMMAND];
export const REPOSITORY_COMMANDS: readonly Command[] = [
  START_COMMAND,
  EMULATOR_COMMAND,
  BENCH_COMMAND,
  SOAK_COMMAND,
  BENCH_CLI_COMMAND,
  BENCH_SCALE_COMMAND,
];
