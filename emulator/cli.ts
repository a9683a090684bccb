#!/usr/bin/env node
/**
 * node dist/emulator/cli.js [--port N] [--host H] [--data FILE] [--token T] [--latency MS]
 *   (--data: the tenant's file, kept across restarts; `npm start` keeps its tenant in .data/emulator.json)
 *   [--rate429 F] [--rate503 F] [--enum names|numbers|mixed] [--seed N] [--tls]
 *   [--routes all|documented|gateway] [--short-lists]
 *   [--rate-limit PERSEC[/BURST]] [--rate-limit-headers none|x-ratelimit|ratelimit|ratelimit-structured]
 * Environment (a flag wins): VEZA_EMULATOR_ROUTES, VEZA_EMULATOR_SHORT_LISTS, VEZA_EMULATOR_RATE_LIMIT,
 * VEZA_EMULATOR_RATE_LIMIT_HEADERS.
 */
import * as fs from "node:fs";
import { startEmulator } from "./server";
import { RATE_LIMIT_HEADER_FORMS, type EmulatorKnobs, type KnobsPatch } from "./knobs";
import { parseRateLimit } from "./ratelimit";

const USAGE =
  "usage: veza-emulator [--port N] [--host H] [--data FILE] [--token T] [--latency MS] [--rate429 F] [--rate503 F] [--enum names|numbers|mixed] [--seed N] [--tls] [--routes all|documented|gateway] [--short-lists] [--rate-limit PERSEC[/BURST]] [--rate-limit-headers none|x-ratelimit|ratelimit|ratelimit-structured]" +
  "\n  --data FILE  the tenant, loaded at start and saved on every change (npm start uses .data/emulator.json); without it the tenant lives in memory";

function rateLimitHeadersOf(v: string): EmulatorKnobs["rateLimitHeaders"] {
  const form = RATE_LIMIT_HEADER_FORMS.find((f) => f === v);
  if (!form) throw new Error(`--rate-limit-headers must be one of ${RATE_LIMIT_HEADER_FORMS.join(", ")}, got "${v}"`);
  return form;
}

function parseArgs(argv: string[]): Parameters<typeof startEmulator>[0] {
  const opts: NonNullable<Parameters<typeof startEmulator>[0]> = {};
  const knobs: KnobsPatch = {};
  if (process.env.VEZA_EMULATOR_RATE_LIMIT) knobs.rateLimit = parseRateLimit(process.env.VEZA_EMULATOR_RATE_LIMIT);
  if (process.env.VEZA_EMULATOR_RATE_LIMIT_HEADERS) knobs.rateLimitHeaders = rateLimitHeadersOf(process.env.VEZA_EMULATOR_RATE_LIMIT_HEADERS);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      process.exit(0);
    }
    const eq = arg.indexOf("=");
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const num = (): number => {
      const raw = value();
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new Error(`${flag}: not a number: ${raw}`);
      return n;
    };
    switch (flag) {
      case "--port":
        opts.port = num();
        break;
      case "--host":
        opts.host = value();
        break;
      case "--data":
        opts.dataFile = value();
        break;
      case "--token":
        opts.token = value();
        break;
      case "--tls":
        opts.tls = true;
        break;
      case "--seed":
        opts.seed = num();
        break;
      case "--latency":
        knobs.latencyMs = num();
        break;
      case "--rate429":
        knobs.rate429 = num();
        break;
      case "--rate503":
        knobs.rate503 = num();
        break;
      case "--rate-limit":
        knobs.rateLimit = parseRateLimit(value());
        break;
      case "--rate-limit-headers":
        knobs.rateLimitHeaders = rateLimitHeadersOf(value());
        break;
      case "--enum": {
        const v = value();
        if (v !== "names" && v !== "numbers" && v !== "mixed") throw new Error(`--enum must be names, numbers or mixed`);
        knobs.enumEncoding = v;
        break;
      }
      case "--routes": {
        const v = value();
        if (v !== "all" && v !== "documented" && v !== "gateway") throw new Error(`--routes must be all, documented or gateway`);
        knobs.routes = v;
        break;
      }
      case "--short-lists":
        knobs.shortLists = true;
        break;
      default:
        throw new Error(`unknown argument ${arg}`);
    }
  }
  opts.knobs = knobs;
  return opts;
}

async function main(): Promise<void> {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  // said before the file is created: a mistyped path must not look like a tenant that was emptied
  const dataFileExisted = opts?.dataFile ? fs.existsSync(opts.dataFile) : false;
  const emu = await startEmulator(opts);
  console.log(`Veza emulator listening on ${emu.url}`);
  console.log(`token: ${emu.token}`);
  if (opts?.dataFile) {
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

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
