/**
 * `pulumi-veza impact [FILE]`: who gains and who loses access in a `pulumi preview`.
 *
 *   pulumi preview --json --show-sames | npx pulumi-veza impact
 *
 * Reads the preview's JSON from FILE, or standard input when FILE is absent or `-`. Exit codes: 0
 * printed; 1 a gate (--fail-on-gain / --fail-on-loss) tripped; 2 unreadable input or arguments (one
 * line on stderr naming the file and what is wrong: anything but a preview digest is refused, so a
 * gate never passes on the wrong file); 3 output that cannot be written, or an internal error (a
 * bug): never mistaken for a tripped gate.
 */
import * as fs from "node:fs";
import * as v8 from "node:v8";
import * as vm from "node:vm";
import { ImpactInputError, ImpactOutputError } from "../errors";
import { inputText, parsePreview, parseStackExport, sidesOf, type ResourceV3 } from "./input";
import { MAX_SENTENCE_CHARS, shown } from "./literal";
import { analyse, type Impact, type TenantView } from "./model";
import { FORMATS, render, summaryLine, type Format } from "./render";
import { parseCommand, parseOrExit, type Command, type Parsed } from "../command-line";

export { analyse, render, summaryLine, parsePreview, parseStackExport, sidesOf, ImpactInputError };
export type { Impact, Format };
export type { ImpactReport, Grant, IdentityImpact, ProfileImpact, Unresolved } from "./model";
export type { PreviewDigest, PreviewStep, ResourceV3 } from "./input";

/** `pulumi-veza impact`'s flags (also its --help and docs/commands.md). */
export const IMPACT_COMMAND = {
  command: "pulumi-veza impact",
  positionals: "[FILE]",
  maxPositionals: 1,
  summary:
    "Reads the JSON of `pulumi preview --json --show-sames` (from FILE, or standard input when FILE is absent or -) and prints, per identity, the entitlements it gains and loses and the profiles that grant them. Without --show-sames the preview leaves out unchanged resources; pass --state with the output of `pulumi stack export` to fill them in.",
  options: {
    format: { type: "string", choices: FORMATS, default: "markdown", description: "markdown (a pull-request comment), json or text" },
    state: { type: "string", value: "FILE", description: "`pulumi stack export` of the stack, for resources the preview does not show" },
    tenant: {
      type: "boolean",
      description:
        "also read Veza today (VEZA_URL, VEZA_API_TOKEN; read-only is enough): members granted since the last refresh, and profiles outside the stack that inherit from it",
    },
    "fail-on-gain": { type: "boolean", description: "exit 1 when an identity gains an entitlement (or a gain cannot be ruled out)" },
    "fail-on-loss": { type: "boolean", description: "exit 1 when an identity loses an entitlement (or a loss cannot be ruled out)" },
  },
  epilog: `Exit codes: 0 printed, 1 a --fail-on-* gate tripped, 2 input that is not a preview (or not a stack
export for --state) or bad arguments, 3 the output cannot be written, or an internal error.`,
} satisfies Command;

export interface ImpactArgs {
  file?: string;
  state?: string;
  /** Read the live tenant (tenant.ts) to complete what the preview cannot see. */
  tenant: boolean;
  format: Format;
  failOnGain: boolean;
  failOnLoss: boolean;
  help: boolean;
}

function argsOf({ values, positionals, help }: Parsed<typeof IMPACT_COMMAND.options>): ImpactArgs {
  return {
    file: positionals[0],
    state: values.state,
    tenant: values.tenant,
    format: values.format,
    failOnGain: values["fail-on-gain"],
    failOnLoss: values["fail-on-loss"],
    help,
  };
}

/** The arguments of `pulumi-veza impact`; throws a VezaUsageError naming a bad flag and what it allows. */
export function parseImpactArgs(argv: string[]): ImpactArgs {
  return argsOf(parseCommand(IMPACT_COMMAND, argv));
}

/** The impact of a preview's JSON text, with an optional stack export's text for what it does not show. */
export function impactOf(preview: { text: string; file: string }, state?: { text: string; file: string }, tenant?: TenantView): Impact {
  const digest = parsePreview(preview.text, preview.file);
  const resources: ResourceV3[] = state ? parseStackExport(state.text, state.file) : [];
  return analyse(sidesOf(digest, resources), { tenant });
}

/** Veza's profiles today; loaded only for --tenant, so the command without it starts no HTTP client. */
async function readTenant(): Promise<TenantView> {
  const { readTenantView } = await import("./tenant");
  const { closeAllPools } = await import("../client/client");
  try {
    return await readTenantView();
  } finally {
    await closeAllPools();
  }
}

/** Why a gate trips, or undefined. Unresolved values trip it too: a gain (or loss) cannot be ruled out. */
export function gateFailure(impact: Impact, args: Pick<ImpactArgs, "failOnGain" | "failOnLoss">): string | undefined {
  const r = impact.report;
  const gains = r.identities.filter((i) => i.gains.length).length;
  const losses = r.identities.filter((i) => i.losses.length).length;
  const why: string[] = [];
  if (args.failOnGain && gains) why.push(`--fail-on-gain: ${gains} identit${gains === 1 ? "y gains" : "ies gain"} access`);
  if (args.failOnLoss && losses) why.push(`--fail-on-loss: ${losses} identit${losses === 1 ? "y loses" : "ies lose"} access`);
  if ((args.failOnGain || args.failOnLoss) && r.unresolved.length && !why.length) {
    why.push(
      `${args.failOnGain ? "--fail-on-gain" : "--fail-on-loss"}: ${r.unresolved.length} value(s) unresolved, a change cannot be ruled out`,
    );
  }
  return why.length ? why.join("; ") : undefined;
}

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === "string" ? Buffer.from(c) : (c as Buffer));
  return inputText(Buffer.concat(chunks));
}

/** `file` as named in messages: `what` says which input it is when that is not the preview. */
function readFile(file: string, what = ""): string {
  try {
    return inputText(fs.readFileSync(file));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new ImpactInputError(`${what}${file}: cannot be read (${err.code === "ENOENT" ? "no such file" : (err.code ?? err.message)})`);
  }
}

/**
 * Writes `text` and waits until it is written. A stream reports a failed write to its callback and
 * as an 'error' event (process.stdout on a full disk: ENOSPC), or throws; each becomes an ImpactOutputError.
 * A plain sink without events (tests) has written once write() returns.
 */
function writeOut(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (e: unknown) =>
      reject(
        new ImpactOutputError(`the output cannot be written (${(e as NodeJS.ErrnoException)?.code ?? (e as Error)?.message ?? String(e)})`),
      );
    const events = typeof stream.on === "function";
    // stays attached: the event may come after the callback, and unhandled it would end the process
    if (events) stream.on("error", fail);
    try {
      stream.write(text, (err?: Error | null) => (err ? fail(err) : resolve()));
    } catch (e) {
      fail(e);
    }
    if (!events) resolve();
  });
}

/** Past this size, the preview's text is let go of explicitly once parsed (see collectGarbageNow). */
const LARGE_INPUT_CHARS = 16 * 2 ** 20;

/**
 * A full collection, now: the text of a large preview (100 MB for 10,000 profiles) is garbage once
 * parsed, but V8 would keep it until its next full collection, in the middle of the analysis, and
 * the two together take the bin past 300 MiB. Best effort: without the flag nothing happens.
 */
function collectGarbageNow(): void {
  try {
    v8.setFlagsFromString("--expose-gc");
    (vm.runInNewContext("gc") as () => void)();
  } catch {
    // not available in this runtime: the collection happens later, as usual
  }
}

/** The subcommand; `argv` is what follows `impact`. Returns the exit code. */
export async function impactMain(
  argv: string[],
  io: Io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin },
): Promise<number> {
  const parsed = parseOrExit(IMPACT_COMMAND, argv, io);
  if (typeof parsed === "number") return parsed;
  const args = argsOf(parsed);
  try {
    const fromStdin = args.file === undefined || args.file === "-";
    if (fromStdin && io.stdin.isTTY)
      throw new ImpactInputError("standard input: no preview piped in; give FILE or pipe `pulumi preview --json --show-sames` into it");
    const file = fromStdin ? "standard input" : args.file!;
    // the input is checked before the tenant is asked anything; its text is let go once parsed
    // (a preview of 10,000 profiles is 100 MB of text)
    let text = fromStdin ? await readAll(io.stdin) : readFile(file);
    const large = text.length > LARGE_INPUT_CHARS;
    const digest = parsePreview(text, file);
    text = "";
    if (large) collectGarbageNow();
    const resources: ResourceV3[] = args.state ? parseStackExport(readFile(args.state, "--state "), `--state ${args.state}`) : [];
    const tenant = args.tenant ? await readTenant() : undefined;
    const impact = analyse(sidesOf(digest, resources), { tenant });
    // warnings and notices may quote the preview: one line each, nothing hidden (literal.ts)
    for (const w of impact.warnings) io.stderr.write(`pulumi-veza impact: warning: ${shown(w, MAX_SENTENCE_CHARS)}\n`);
    // markdown and text say it in the output; the JSON report's keys are fixed, so it goes to stderr
    if (args.format === "json")
      for (const n of impact.notices) io.stderr.write(`pulumi-veza impact: not seen: ${shown(n, MAX_SENTENCE_CHARS)}\n`);
    await writeOut(io.stdout, render(impact, args.format));
    const gate = gateFailure(impact, args);
    if (gate) {
      io.stderr.write(`pulumi-veza impact: ${gate}\n`);
      return 1;
    }
    return 0;
  } catch (e) {
    if (ImpactInputError.isInstance(e)) {
      io.stderr.write(`pulumi-veza impact: ${shown(e.message, MAX_SENTENCE_CHARS)}\n`);
      return 2;
    }
    if (ImpactOutputError.isInstance(e)) {
      io.stderr.write(`pulumi-veza impact: ${e.message}\n`);
      return 3;
    }
    // not 1: a CI step must not read a crash as "a gate tripped"
    io.stderr.write(`pulumi-veza impact: internal error (please report it): ${(e as Error)?.stack ?? String(e)}\n`);
    return 3;
  }
}
