/**
 * provider/command-line.ts: one option table per command drives util.parseArgs and the --help; every
 * mistake is a VezaUsageError naming the flag as typed and what it allows. In process, no spawn.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { helpText, parseCommand, parseOrExit, type Command } from "../../provider/command-line";
import { VezaUsageError } from "../../provider/errors";
import { main as veza } from "../../provider/cli";
import { impactMain, IMPACT_COMMAND } from "../../provider/impact";
import { EMULATOR_COMMAND, startOptionsOf } from "../../emulator/cli";
import { BENCH_CLI_COMMAND, BENCH_COMMAND, SOAK_COMMAND } from "../../bench/options";
import { PACKAGE_COMMANDS, REPOSITORY_COMMANDS } from "../../scripts/commands";

const CMD = {
  command: "tool",
  positionals: "[FILE]",
  maxPositionals: 1,
  summary: "A command of the tests.",
  options: {
    out: { type: "string", short: "o", value: "FILE", description: "where" },
    mode: { type: "string", choices: ["a", "b"], default: "a", description: "how" },
    count: { type: "integer", min: 1, max: 9, description: "how many" },
    ratio: { type: "number", min: 0, max: 1, default: 0.5, description: "how much" },
    sizes: { type: "list", default: "1,2", parse: Number, description: "which" },
    pair: {
      type: "parsed",
      value: "A/B",
      parse: (t: string) => {
        const [a, b] = t.split("/");
        if (!b) throw new Error("must be A/B");
        return [a, b];
      },
      description: "two",
      env: "TOOL_PAIR",
    },
    quiet: { type: "boolean", short: "q", env: "TOOL_QUIET", description: "say less" },
  },
} satisfies Command;

const usage = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  try {
    parseCommand(CMD, argv, env);
  } catch (e) {
    expect(VezaUsageError.isInstance(e)).toBe(true);
    return (e as Error).message;
  }
  throw new Error(`accepted: ${argv.join(" ")}`);
};

test("values: every spelling util.parseArgs accepts, defaults, conversions, positionals, the environment under the flag", () => {
  const { values, positionals, help } = parseCommand(
    CMD,
    ["-o", "x", "--mode=b", "--count", "3", "--sizes", "5,6", "--pair", "p/q", "-q", "in.json"],
    {},
  );
  expect(values).toEqual({ out: "x", mode: "b", count: 3, ratio: 0.5, sizes: [5, 6], pair: ["p", "q"], quiet: true });
  expect(positionals).toEqual(["in.json"]);
  expect(help).toBe(false);
  expect(parseCommand(CMD, [], {}).values).toEqual({ mode: "a", ratio: 0.5, sizes: [1, 2], quiet: false });
  expect(parseCommand(CMD, ["--out", "-"], {}).values.out).toBe("-"); // standard input is a value
  expect(parseCommand(CMD, ["--", "--not-a-flag"], {}).positionals).toEqual(["--not-a-flag"]);
  expect(parseCommand(CMD, [], { TOOL_PAIR: "e/f", TOOL_QUIET: "1" }).values).toMatchObject({ pair: ["e", "f"], quiet: true });
  expect(parseCommand(CMD, ["--pair", "g/h"], { TOOL_PAIR: "e/f" }).values.pair).toEqual(["g", "h"]);
  expect(parseCommand(CMD, ["a", "b", "-h"], { TOOL_PAIR: "bad" }).help).toBe(true); // --help answers whatever else is wrong
  expect(parseCommand({ ...CMD, options: { n: { type: "integer", description: "n" } } }, ["--n", "-3"], {}).values.n).toBe(-3);
});

test("mistakes name the flag as typed and what it allows", () => {
  expect(usage(["--bogus"])).toBe(
    "unknown option --bogus; tool takes -o, --out, --mode, --count, --ratio, --sizes, --pair, -q, --quiet, -h, --help",
  );
  expect(usage(["-x"])).toMatch(/^unknown option -x; tool takes /);
  expect(usage(["-m"])).toMatch(/^unknown option -m; tool takes /); // --mode has no short form
  expect(usage(["-o"])).toBe("-o needs a value: FILE");
  expect(usage(["--mode", "--quiet"])).toBe("--mode needs a value: one of a, b");
  expect(usage(["--mode", "c"])).toBe('--mode must be one of a, b, got "c"');
  expect(usage(["--count", "1.5"])).toBe('--count must be a whole number >= 1 and <= 9, got "1.5"');
  expect(usage(["--count=10"])).toBe('--count must be a whole number >= 1 and <= 9, got "10"');
  expect(usage(["--ratio", "abc"])).toBe('--ratio must be a number >= 0 and <= 1, got "abc"');
  expect(usage(["--pair", "x"])).toBe("--pair: must be A/B");
  expect(usage(["--quiet=yes"])).toBe('--quiet takes no value, got "yes"');
  expect(usage(["a", "b"])).toBe('unexpected argument "b": tool takes [FILE]');
  expect(usage([], { TOOL_PAIR: "x" })).toBe("environment variable TOOL_PAIR: must be A/B");
  expect(usage([], { TOOL_QUIET: "yes" })).toBe('environment variable TOOL_QUIET must be one of 1, true, 0, false, got "yes"');
});

test("the help lists every option of the table with its value, default and environment variable", () => {
  const help = helpText(CMD);
  expect(help.startsWith("Usage: tool [FILE] [options]\n\nA command of the tests.\n\nOptions:\n")).toBe(true);
  expect(help).toMatch(/^ {2}-o, --out FILE +where$/m);
  expect(help).toMatch(/^ {2}--mode a\|b +how \(default: a\)$/m);
  expect(help).toMatch(/^ {2}--pair A\/B +two \(environment: TOOL_PAIR\)$/m);
  expect(help).toMatch(/^ {2}-h, --help +show this help$/m);
  for (const cmd of [...PACKAGE_COMMANDS, ...REPOSITORY_COMMANDS]) {
    const text = helpText(cmd);
    for (const name of Object.keys(cmd.options)) expect(text).toContain(`--${name}`);
  }
});

test("parseOrExit: --help on stdout (0), a mistake and the help on stderr (2)", () => {
  const io = () => {
    const o = { out: "", err: "" };
    return { o, io: { stdout: { write: (s: string) => (o.out += s) }, stderr: { write: (s: string) => (o.err += s) } } };
  };
  const a = io();
  expect(parseOrExit(CMD, ["--help"], a.io)).toBe(0);
  expect(a.o).toEqual({ out: helpText(CMD), err: "" });
  const b = io();
  expect(parseOrExit(CMD, ["--bogus"], b.io)).toBe(2);
  expect(b.o.out).toBe("");
  expect(b.o.err).toBe(
    `tool: unknown option --bogus; tool takes -o, --out, --mode, --count, --ratio, --sizes, --pair, -q, --quiet, -h, --help\n\n${helpText(CMD)}`,
  );
});

function sinks() {
  const o = { out: "", err: "" };
  return {
    o,
    io: { stdout: { write: (s: string) => ((o.out += s), true) }, stderr: { write: (s: string) => ((o.err += s), true) } } as never,
  };
}

test("pulumi-veza: --help of the bin and of each subcommand; bad flags exit 2 naming them, before anything is read", async () => {
  const top = sinks();
  expect(await veza(["--help"], top.io)).toBe(0);
  expect(top.o.out).toContain("Usage: pulumi-veza export [options]");
  expect(top.o.out).toContain("Usage: pulumi-veza impact [FILE] [options]");
  const exp = sinks();
  expect(await veza(["export", "--verbose"], exp.io)).toBe(2);
  expect(exp.o.err).toMatch(
    /^pulumi-veza export: unknown option --verbose; pulumi-veza export takes -o, --out, --language, --project, -h, --help\n/,
  );
  const cmd = sinks();
  expect(await veza(["exprot"], cmd.io)).toBe(2);
  expect(cmd.o.err).toMatch(/^pulumi-veza: unknown command "exprot"; the commands are export and impact\n/);
  const imp = { ...sinks(), stdin: { isTTY: true } };
  const io = { ...(imp.io as object), stdin: imp.stdin } as never;
  expect(await impactMain(["--help"], io)).toBe(0);
  expect(imp.o.out).toBe(helpText(IMPACT_COMMAND));
  expect(await impactMain(["--fail-on-gains"], io)).toBe(2);
  expect(imp.o.err).toMatch(
    /^pulumi-veza impact: unknown option --fail-on-gains; pulumi-veza impact takes --format, --state, --tenant, --fail-on-gain, --fail-on-loss, -h, --help\n/,
  );
});

test("the emulator's flags become startEmulator's options and knobs", () => {
  const { values } = parseCommand(
    EMULATOR_COMMAND,
    [
      "--port",
      "8080",
      "--data",
      "t.json",
      "--rate-limit",
      "25/10",
      "--rate-limit-headers",
      "ratelimit",
      "--routes",
      "documented",
      "--short-lists",
      "--latency",
      "5",
    ],
    {},
  );
  expect(startOptionsOf(values)).toEqual({
    port: 8080,
    host: "127.0.0.1",
    dataFile: "t.json",
    token: undefined,
    seed: undefined,
    tls: false,
    knobs: { latencyMs: 5, routes: "documented", shortLists: true, rateLimit: { perSec: 25, burst: 10 }, rateLimitHeaders: "ratelimit" },
  });
  expect(parseCommand(EMULATOR_COMMAND, [], { VEZA_EMULATOR_RATE_LIMIT_HEADERS: "x-ratelimit" }).values["rate-limit-headers"]).toBe(
    "x-ratelimit",
  );
  expect(() => parseCommand(EMULATOR_COMMAND, ["--rate-limit-headers", "ratelimit-draft"], {})).toThrow(
    '--rate-limit-headers must be one of none, x-ratelimit, ratelimit, ratelimit-structured, got "ratelimit-draft"',
  );
});

test("the bench commands' lists: none where allowed, each item checked", () => {
  const { values } = parseCommand(BENCH_COMMAND, ["--rates", "none", "--limits", "none,25", "--latency-headers", "none"], {});
  expect(values.rates.filter((x) => x !== undefined)).toEqual([]);
  expect(values.limits).toEqual([undefined, 25]);
  expect(values["latency-headers"].filter((x) => x !== undefined)).toEqual([]);
  expect(() => parseCommand(BENCH_COMMAND, ["--latencies", "20,x"], {})).toThrow('--latencies: each item must be a number >= 0, got "x"');
  expect(() => parseCommand(BENCH_COMMAND, ["--latency-headers", "ratelimit,foo"], {})).toThrow(
    "--latency-headers: each item must be one of x-ratelimit, ratelimit, ratelimit-structured (or none alone)",
  );
  expect(() => parseCommand(SOAK_COMMAND, ["--minutes", "60"], {})).toThrow('--minutes must be a number >= 0.1 and <= 10, got "60"');
  expect(() => parseCommand(BENCH_CLI_COMMAND, ["--parallel", "0"], {})).toThrow('--parallel must be a whole number >= 1, got "0"');
});

test("the emulator stays a second opinion: of provider/ only its command line uses the argument glue", () => {
  const dir = path.resolve(__dirname, "..", "..", "emulator");
  const uses = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ts"))
    .flatMap((f) =>
      [...fs.readFileSync(path.join(dir, f), "utf8").matchAll(/from "\.\.\/provider\/([^"]+)"/g)].map((m) => `${f} → ${m[1]}`),
    );
  expect(uses).toEqual(["cli.ts → command-line"]);
});
