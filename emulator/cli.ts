#!/usr/bin/env node
/**
 * `npm run emulator -- [options]` (node dist/emulator/cli.js): the emulator as a server of its own;
 * its flags are EMULATOR_COMMAND below (`--help`, docs/commands.md).
 */
import * as fs from "node:fs";
import { startEmulator, type StartOptions } from "./server";
import { RATE_LIMIT_HEADER_FORMS, type EmulatorKnobs } from "./knobs";
import { parseRateLimit } from "./ratelimit";
import { ROUTES_MODES } from "./routes";
import { parseOrExit, type Command, type Values } from "../provider/command-line";

const ENCODINGS: readonly EmulatorKnobs["enumEncoding"][] = ["names", "numbers", "mixed"];

/** The emulator's flags (also its --help and docs/commands.md). */
export const EMULATOR_COMMAND = {
  command: "npm run emulator --",
  summary:
    "A server that answers like Veza's Lifecycle Management API (docs/emulator.md); prints its URL and token, and runs until stopped.",
  maxPositionals: 0,
  options: {
    port: { type: "integer", min: 0, max: 65535, default: 0, description: "the port to listen on (0: any free one)" },
    host: { type: "string", value: "HOST", default: "127.0.0.1", description: "the address to listen on" },
    data: {
      type: "string",
      value: "FILE",
      description:
        "the tenant, loaded at start and saved on every change (npm start uses .data/emulator.json); without it the tenant lives in memory",
    },
    token: { type: "string", value: "TOKEN", description: "the bearer token accepted (default: a random one, printed)" },
    latency: { type: "number", value: "MS", min: 0, description: "added to every response, in ms" },
    rate429: { type: "number", value: "F", min: 0, max: 1, description: "share of requests answered 429" },
    rate503: { type: "number", value: "F", min: 0, max: 1, description: "share of requests answered 503" },
    enum: { type: "string", choices: ENCODINGS, description: "how enums are encoded in answers (default: names)" },
    seed: { type: "integer", description: "seed of the fault and mixed-encoding randomness (default: 1)" },
    tls: { type: "boolean", description: "serve https with a certificate signed by a private CA made at start (its file is printed)" },
    routes: {
      type: "string",
      choices: ROUTES_MODES,
      env: "VEZA_EMULATOR_ROUTES",
      description:
        "all: every route; documented: only the API guide's (the rest 404); gateway: documented, unbound methods 501 (default: all)",
    },
    "short-lists": { type: "boolean", env: "VEZA_EMULATOR_SHORT_LISTS", description: "list items as short as the API guide's examples" },
    "rate-limit": {
      type: "parsed",
      value: "PERSEC[/BURST]",
      parse: parseRateLimit,
      env: "VEZA_EMULATOR_RATE_LIMIT",
      description: "a token bucket in front of every route; an empty bucket answers 429 with Retry-After (off, 0: none)",
    },
    "rate-limit-headers": {
      type: "string",
      choices: RATE_LIMIT_HEADER_FORMS,
      env: "VEZA_EMULATOR_RATE_LIMIT_HEADERS",
      description: "with --rate-limit: the rate-limit headers on every answer (default: none)",
    },
  },
} satisfies Command;

/** What startEmulator takes, from the parsed flags. */
export function startOptionsOf(v: Values<typeof EMULATOR_COMMAND.options>): StartOptions {
  const knobs: NonNullable<StartOptions["knobs"]> = {};
  if (v.latency !== undefined) knobs.latencyMs = v.latency;
  if (v.rate429 !== undefined) knobs.rate429 = v.rate429;
  if (v.rate503 !== undefined) knobs.rate503 = v.rate503;
  if (v.enum !== undefined) knobs.enumEncoding = v.enum;
  if (v.routes !== undefined) knobs.routes = v.routes;
  if (v["short-lists"]) knobs.shortLists = true;
  if (v["rate-limit"] !== undefined) knobs.rateLimit = v["rate-limit"];
  if (v["rate-limit-headers"] !== undefined) knobs.rateLimitHeaders = v["rate-limit-headers"];
  return { port: v.port, host: v.host, dataFile: v.data, token: v.token, seed: v.seed, tls: v.tls, knobs };
}

async function main(): Promise<void> {
  const parsed = parseOrExit(EMULATOR_COMMAND, process.argv.slice(2), process);
  if (typeof parsed === "number") {
    process.exitCode = parsed;
    return;
  }
  const opts = startOptionsOf(parsed.values);
  // said before the file is created: a mistyped path must not look like a tenant that was emptied
  const dataFileExisted = opts.dataFile ? fs.existsSync(opts.dataFile) : false;
  const emu = await startEmulator(opts);
  console.log(`Veza emulator listening on ${emu.url}`);
  console.log(`token: ${emu.token}`);
  if (opts.dataFile) {
    const types = emu.store.listTypes().length;
    const profiles = emu.store.listProfiles().length;
    console.log(
      dataFileExisted
        ? `data: ${opts.dataFile} (${types} access profile type${types === 1 ? "" : "s"}, ${profiles} access profile${profiles === 1 ? "" : "s"})`
        : `data: ${opts.dataFile} did not exist: the tenant starts empty and is saved there (npm start's tenant is .data/emulator.json)`,
    );
  }
  if (emu.caFile) console.log(`CA certificate: ${emu.caFile} (give it to clients: NODE_EXTRA_CA_CERTS=${emu.caFile})`);
  const stop = (): void => {
    void emu.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (require.main === module) {
  void main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
