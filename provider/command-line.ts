/**
 * Command lines, parsed by Node's `util.parseArgs` from one option table per command; the same table
 * writes the command's `--help` and its section of docs/commands.md, so the parser, the help and the
 * docs cannot disagree.
 *
 * `util.parseArgs` splits the arguments into tokens (`--out=x`, `-o x`, `--` and positionals, as
 * POSIX and GNU tools do); the checks on those tokens are ours, so that every mistake is reported
 * with the flag as typed and what it allows (`strict` mode's messages name neither the values nor
 * the other flags), before the command reads or sends anything: the caller exits 2.
 */
import { parseArgs } from "node:util";
import { VezaUsageError } from "./errors";

interface Common {
  /** One letter: `-o` for `--out`. */
  short?: string;
  /** What the flag does, one sentence or two (the help wraps it). */
  description: string;
  /** An environment variable read when the flag is absent (a flag wins); booleans take 1/true/0/false. */
  env?: string;
}

/** A flag without a value. */
export interface BooleanOption extends Common {
  type: "boolean";
}

/** A flag with a value: free text, or one of `choices`. */
export interface StringOption<C extends string = string> extends Common {
  type: "string";
  /** The value's name in the help (`FILE`); default: the choices, or `VALUE`. */
  value?: string;
  choices?: readonly C[];
  default?: C;
}

/** A number; `integer`: whole numbers only. */
export interface NumberOption extends Common {
  type: "number" | "integer";
  value?: string;
  default?: number;
  min?: number;
  max?: number;
}

/** A comma-separated list (`--rates 25,50,100`), each item `parse`d (a thrown message names what is allowed). */
export interface ListOption<T = string> extends Common {
  type: "list";
  value?: string;
  default?: string;
  parse?: (item: string) => T;
}

/** Any other value: `parse` turns the text into it or throws a message saying what is allowed. */
export interface ParsedOption<T = unknown> extends Common {
  type: "parsed";
  value: string;
  parse: (raw: string) => T;
  default?: string;
}

export type OptionSpec = BooleanOption | StringOption | NumberOption | ListOption<any> | ParsedOption<any>;
/** A command's flags by long name (without `--`); `help` (`-h`) is added to every command. */
export type OptionTable = Record<string, OptionSpec>;

type ValueOf<S> = S extends BooleanOption
  ? boolean
  : S extends NumberOption
    ? number
    : S extends ListOption<infer T>
      ? T[]
      : S extends ParsedOption<infer T>
        ? T
        : S extends { choices: readonly (infer C)[] }
          ? C
          : string;

/** The parsed flags: a boolean is false when absent, a flag with a default has it, any other may be undefined. */
export type Values<T extends OptionTable> = {
  -readonly [K in keyof T]: T[K] extends BooleanOption
    ? boolean
    : T[K] extends { default: unknown }
      ? ValueOf<T[K]>
      : ValueOf<T[K]> | undefined;
};

export interface Command<T extends OptionTable = OptionTable> {
  /** As typed: `pulumi-veza impact`. */
  command: string;
  /** The positionals in the usage line (`[FILE]`); without it none is accepted. */
  positionals?: string;
  /** At most this many positionals (default: none without `positionals`, else unlimited). */
  maxPositionals?: number;
  /** What the command does: the help's paragraph under the usage line. */
  summary: string;
  options: T;
  /** Printed after the options (environment variables, exit codes). */
  epilog?: string;
}

export interface Parsed<T extends OptionTable> {
  values: Values<T>;
  positionals: string[];
  help: boolean;
}

const HELP: BooleanOption = { type: "boolean", short: "h", description: "show this help" };
const WIDTH = 100;

function allOptions(cmd: Command): [string, OptionSpec][] {
  return [...Object.entries(cmd.options), ["help", HELP]];
}

/** The command as messages name it: `npm run bench`, without the `--` that passes flags through npm. */
const nameOf = (cmd: Command) => cmd.command.replace(/ --$/, "");

const flagOf = (name: string, spec: OptionSpec) => `${spec.short ? `-${spec.short}, ` : ""}--${name}`;

function placeholder(spec: OptionSpec): string | undefined {
  if (spec.type === "boolean") return undefined;
  if (spec.value) return spec.value;
  if (spec.type === "string" && spec.choices) return spec.choices.join("|");
  return spec.type === "number" || spec.type === "integer" ? "N" : "VALUE";
}

/** What a flag's value may be, for messages: "one of a, b, c", "a whole number >= 0", "FILE". */
function allowed(spec: OptionSpec): string {
  if (spec.type === "string" && spec.choices) return `one of ${spec.choices.join(", ")}`;
  if (spec.type === "number" || spec.type === "integer") {
    const bounds = [spec.min !== undefined ? `>= ${spec.min}` : "", spec.max !== undefined ? `<= ${spec.max}` : ""]
      .filter(Boolean)
      .join(" and ");
    return `${spec.type === "integer" ? "a whole number" : "a number"}${bounds ? ` ${bounds}` : ""}`;
  }
  return placeholder(spec)!;
}

/** Checks and converts one flag's text; the message names the flag as typed. */
function convert(typed: string, spec: Exclude<OptionSpec, BooleanOption>, raw: string): unknown {
  const bad = (what: string) => new VezaUsageError(`${typed} must be ${what}, got "${raw}"`);
  switch (spec.type) {
    case "string":
      if (spec.choices && !spec.choices.includes(raw)) throw bad(allowed(spec));
      return raw;
    case "number":
    case "integer": {
      const n = raw.trim() === "" ? NaN : Number(raw);
      const ok =
        Number.isFinite(n) &&
        (spec.type === "number" || Number.isInteger(n)) &&
        (spec.min === undefined || n >= spec.min) &&
        (spec.max === undefined || n <= spec.max);
      if (!ok) throw bad(allowed(spec));
      return n;
    }
    case "list":
    case "parsed": {
      const one = (text: string) => {
        try {
          return spec.parse ? spec.parse(text) : text;
        } catch (e) {
          throw new VezaUsageError(`${typed}: ${(e as Error).message}`);
        }
      };
      return spec.type === "list"
        ? raw
            .split(",")
            .filter((x) => x !== "")
            .map(one)
        : one(raw);
    }
  }
}

/**
 * Parses `argv` against the command's table. Throws a VezaUsageError naming the flag and what it
 * allows for an unknown flag, a missing or bad value, a value given to a flag that takes none, or a
 * positional too many; `help` is true for `-h`/`--help` (the caller prints `helpText`).
 */
export function parseCommand<T extends OptionTable>(
  cmd: Command<T>,
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Parsed<T> {
  const specs = new Map(allOptions(cmd));
  const shorts = new Map([...specs].filter(([, s]) => s.short).map(([n, s]) => [s.short!, n]));
  const config = Object.fromEntries(
    [...specs].map(([n, s]) => [
      n,
      { type: s.type === "boolean" ? ("boolean" as const) : ("string" as const), ...(s.short ? { short: s.short } : {}) },
    ]),
  );
  const { tokens } = parseArgs({ args: [...argv], options: config, strict: false, allowPositionals: true, tokens: true });
  const known = [...specs].map(([n, s]) => flagOf(n, s)).join(", ");
  const values: Record<string, unknown> = {};
  const positionals: string[] = [];
  let help = false;
  for (const t of tokens) {
    if (t.kind === "positional") positionals.push(t.value);
    if (t.kind !== "option") continue;
    const name = t.rawName.startsWith("--") ? t.name : shorts.get(t.rawName.slice(1));
    const spec = name === undefined ? undefined : specs.get(name);
    if (name === undefined || spec === undefined) throw new VezaUsageError(`unknown option ${t.rawName}; ${nameOf(cmd)} takes ${known}`);
    if (spec.type === "boolean") {
      if (t.value !== undefined) throw new VezaUsageError(`${t.rawName} takes no value, got "${t.value}"`);
      if (name === "help") help = true;
      else values[name] = true;
      continue;
    }
    // `--state -` (standard input) and `--seed -3` are values; `--format --tenant` is a missing one
    const negative = (spec.type === "number" || spec.type === "integer") && /^-\d/.test(t.value ?? "");
    if (t.value === undefined || (!t.inlineValue && t.value.startsWith("-") && t.value !== "-" && !negative)) {
      throw new VezaUsageError(`${t.rawName} needs a value: ${allowed(spec)}`);
    }
    values[name] = convert(t.rawName, spec, t.value);
  }
  // --help answers whatever else is wrong with the positionals or the environment
  if (help) return { values: {} as Values<T>, positionals, help };
  const max = cmd.maxPositionals ?? (cmd.positionals ? Infinity : 0);
  if (positionals.length > max) {
    throw new VezaUsageError(
      `unexpected argument "${positionals[max]}"${cmd.positionals ? `: ${nameOf(cmd)} takes ${cmd.positionals}` : `: ${nameOf(cmd)} takes no argument`}`,
    );
  }
  for (const [name, spec] of specs) {
    if (name in values || name === "help") continue;
    const fromEnv = spec.env ? env[spec.env] : undefined;
    if (fromEnv) {
      values[name] = spec.type === "boolean" ? envBoolean(spec.env!, fromEnv) : convert(`environment variable ${spec.env}`, spec, fromEnv);
    } else if (spec.type === "boolean") values[name] = false;
    else if (spec.default !== undefined)
      values[name] = typeof spec.default === "string" ? convert(`--${name}`, spec, spec.default) : spec.default;
  }
  return { values: values as Values<T>, positionals, help };
}

function envBoolean(variable: string, raw: string): boolean {
  if (raw === "1" || raw === "true") return true;
  if (raw === "0" || raw === "false") return false;
  throw new VezaUsageError(`environment variable ${variable} must be one of 1, true, 0, false, got "${raw}"`);
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** The option lines of the help: `  -o, --out FILE   description (default: x)`, descriptions aligned and wrapped. */
export function optionLines(cmd: Command): string[] {
  const rows = allOptions(cmd).map(([name, spec]) => {
    const value = placeholder(spec);
    const dflt =
      spec.type !== "boolean" && spec.default !== undefined && !spec.description.includes("default") ? ` (default: ${spec.default})` : "";
    const env = spec.env ? ` (environment: ${spec.env})` : "";
    return { flag: `${flagOf(name, spec)}${value ? ` ${value}` : ""}`, text: `${spec.description}${dflt}${env}` };
  });
  const col = Math.min(Math.max(...rows.map((r) => r.flag.length)) + 2, 34);
  return rows.flatMap(({ flag, text }) => {
    const lines = wrap(text, WIDTH - col - 2);
    const first = flag.length + 2 <= col ? `  ${flag.padEnd(col)}${lines.shift() ?? ""}` : `  ${flag}`;
    return [first, ...lines.map((l) => `${" ".repeat(col + 2)}${l}`)];
  });
}

export function usageLine(cmd: Command): string {
  return `Usage: ${cmd.command}${cmd.positionals ? ` ${cmd.positionals}` : ""} [options]`;
}

/** The command's `--help`. */
export function helpText(cmd: Command): string {
  const parts = [usageLine(cmd), "", ...wrap(cmd.summary, WIDTH), "", "Options:", ...optionLines(cmd)];
  if (cmd.epilog) parts.push("", cmd.epilog.trimEnd());
  return `${parts.join("\n")}\n`;
}

interface Out {
  write(s: string): unknown;
}

/**
 * Parses, or answers `--help` (stdout, exit 0) or a usage error (the message, then the help, on
 * stderr: exit 2). Returns the parsed arguments, or the exit code when the command must not run.
 */
export function parseOrExit<T extends OptionTable>(
  cmd: Command<T>,
  argv: readonly string[],
  io: { stdout: Out; stderr: Out },
): Parsed<T> | number {
  let parsed: Parsed<T>;
  try {
    parsed = parseCommand(cmd, argv);
  } catch (e) {
    if (!VezaUsageError.isInstance(e)) throw e;
    io.stderr.write(`${nameOf(cmd)}: ${e.message}\n\n${helpText(cmd)}`);
    return 2;
  }
  if (parsed.help) {
    io.stdout.write(helpText(cmd));
    return 0;
  }
  return parsed;
}

/**
 * A script's entry point: parses `argv` (exit 2 on a usage error, 0 after `--help`), runs `main`,
 * and sets the exit code from what it returns (a thrown VezaUsageError: exit 2; any other error:
 * printed with its stack, exit 1).
 */
export function runCommand<T extends OptionTable>(
  cmd: Command<T>,
  argv: readonly string[],
  // biome-ignore lint/suspicious/noConfusingVoidType: a command's main may return nothing (exit 0) or its exit code
  main: (args: Parsed<T>) => number | void | Promise<number | void>,
): void {
  const parsed = parseOrExit(cmd, argv, process);
  if (typeof parsed === "number") {
    process.exitCode = parsed;
    return;
  }
  Promise.resolve()
    .then(() => main(parsed))
    .then(
      (code) => {
        process.exitCode = code ?? 0;
      },
      (e: unknown) => {
        // a usage error main finds itself (a positional's value) is still exit 2
        const usage = VezaUsageError.isInstance(e);
        process.stderr.write(`${nameOf(cmd)}: ${usage ? e.message : ((e as Error)?.stack ?? String(e))}\n`);
        process.exitCode = usage ? 2 : 1;
      },
    );
}

/** A command's flags as a Markdown section of docs/commands.md (the same text as its `--help`). */
export function markdownOf(cmd: Command): string {
  return `## \`${cmd.command}\`\n\n\`\`\`text\n${helpText(cmd)}\`\`\`\n`;
}
