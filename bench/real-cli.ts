/**
 * `npm run bench:cli`: the bootstrap of one stack (300 profiles: 903 resources) at 150 ms of latency,
 * `--parallel 64`, through the real Pulumi CLI (scripts/pulumi-cli.ts) beside the same run through the
 * test engine (harness/) and the naive baseline provider through the test engine. Also each engine's
 * floor: the same bootstrap at 0 ms (what the engine itself costs). Requests and in-flight are counted
 * by the emulator. The CLI runs `pulumi up --yes --skip-preview` (the preview a user runs first is a
 * separate command).
 *
 *   npm run bench:cli [-- --profiles N --latency MS --parallel N --cli-only]
 *
 * The CLI writes the whole state to its backend after every step (a checkpoint), so its cost grows
 * with the square of the stack's size; PULUMI_SKIP_CHECKPOINTS=true in the environment turns that off
 * (the bench passes the environment on), which is how the table's second CLI row is measured.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { startEmulator } from "../emulator";
import { CliStack } from "../harness/pulumi-cli";
import { kitFor, makeRig, BENCH_TOKEN, type Flavor } from "../harness/rig";
import { bootstrapSpec, program, resourceCount } from "../harness/workload";
import { ensurePulumiCli } from "../scripts/pulumi-cli";
import { timeline } from "./scale";
import { table } from "./stats";
import { runCommand, type Parsed } from "../provider/command-line";
import { BENCH_CLI_COMMAND } from "./options";

interface Row {
  engine: string;
  latencyMs: number;
  wallMs: number;
  requests: number;
  meanInFlight: number;
  failed: number;
}

const REPO = path.resolve(__dirname, "..", "..");

async function throughHarness(flavor: Flavor, profiles: number, latencyMs: number, parallel: number): Promise<Row> {
  const rig = await makeRig({ flavor, seed: 1, knobs: { latencyMs } });
  try {
    const spec = bootstrapSpec(profiles, `cli${latencyMs}`);
    const t0 = performance.now();
    const up = await rig.engine({ parallel }, "throttled").up(program(spec, kitFor(flavor)));
    const wallMs = performance.now() - t0;
    return {
      engine: flavor === "ours" ? "test engine, pulumi-veza" : "test engine, baseline",
      latencyMs,
      wallMs,
      requests: rig.emu.stats().total,
      meanInFlight: timeline(rig.emu.requests(), t0).meanInFlight,
      failed: up.errors.length,
    };
  } finally {
    await rig.close();
  }
}

async function throughCli(binDir: string, version: string, profiles: number, latencyMs: number, parallel: number): Promise<Row> {
  const emu = await startEmulator({ token: BENCH_TOKEN, seed: 1, knobs: { latencyMs } });
  const workload = JSON.stringify(path.join(REPO, "dist", "harness", "workload.js"));
  const source = `const w = require(${workload});\nObject.assign(exports, w.program(w.bootstrapSpec(${profiles}, "cli${latencyMs}"), require("pulumi-veza"))());\n`;
  const stack = await CliStack.create({
    cli: { binDir, version, source: "cached build" },
    program: source,
    config: { "veza:url": emu.url, "veza:apiToken": BENCH_TOKEN },
    secretKeys: ["veza:apiToken"],
  });
  try {
    const t0 = performance.now();
    const up = await stack.up(["--parallel", String(parallel), "--suppress-progress"]);
    const wallMs = performance.now() - t0;
    if (up.code !== 0) process.stderr.write(`pulumi up exited ${up.code}\n${up.stdout.slice(-2000)}\n${up.stderr.slice(-2000)}\n`);
    const failed = up.events.filter((e) => e.resOpFailedEvent).length + (up.code === 0 ? 0 : 1);
    const label = process.env.PULUMI_SKIP_CHECKPOINTS === "true" ? ", PULUMI_SKIP_CHECKPOINTS=true" : "";
    return {
      engine: `Pulumi CLI ${version}, pulumi-veza${label}`,
      latencyMs,
      wallMs,
      requests: emu.stats().total,
      meanInFlight: timeline(emu.requests(), t0).meanInFlight,
      failed,
    };
  } finally {
    stack.close();
    await emu.close();
  }
}

async function main({ values }: Parsed<typeof BENCH_CLI_COMMAND.options>): Promise<void> {
  const { profiles, latency: latencyMs, parallel } = values;
  const found = ensurePulumiCli((l) => process.stderr.write(`${l}\n`));
  if (!found.cli) throw new Error(`no Pulumi CLI: ${found.reason}`);
  const rows: Row[] = [];
  const log = (r: Row) => {
    rows.push(r);
    process.stderr.write(
      `${r.engine} at ${r.latencyMs} ms: ${Math.round(r.wallMs)} ms, ${r.requests} requests, mean in flight ${r.meanInFlight.toFixed(1)}, ${r.failed} failed\n`,
    );
  };
  for (const lat of [0, latencyMs]) {
    log(await throughCli(found.cli.binDir, found.cli.version, profiles, lat, parallel));
    if (values["cli-only"]) continue;
    log(await throughHarness("ours", profiles, lat, parallel));
    log(await throughHarness("baseline", profiles, lat, parallel));
  }
  const resources = resourceCount(bootstrapSpec(profiles));
  const floorOf = (engine: string) => rows.find((r) => r.engine === engine && r.latencyMs === 0)!.wallMs;
  const md = `### Bootstrap through the real Pulumi CLI (${resources} resources, ${latencyMs} ms, --parallel ${parallel})\n\n${table(
    ["engine", "engine floor (0 ms)", `wall at ${latencyMs} ms`, "requests", "mean in flight", "failed"],
    rows
      .filter((r) => r.latencyMs === latencyMs)
      .map((r) => [
        r.engine,
        `${(floorOf(r.engine) / 1000).toFixed(2)} s`,
        `${(r.wallMs / 1000).toFixed(2)} s`,
        String(r.requests),
        r.meanInFlight.toFixed(1),
        String(r.failed),
      ]),
  )}\n`;
  process.stdout.write(md);
  if (values.out) fs.writeFileSync(values.out, md);
}

runCommand(BENCH_CLI_COMMAND, process.argv.slice(2), main);
