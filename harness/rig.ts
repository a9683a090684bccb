/** An emulator plus a test engine wired to it, for either provider (ours or the baseline). */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type Emulator, type KnobsPatch } from "../emulator";
import { Engine, type EngineOptions } from "./index";
import * as baseline from "./baseline";
import type { Kit } from "./workload";

export type Flavor = "ours" | "baseline";

/** The token every rig uses; checks search state and output for it. */
export const BENCH_TOKEN = "veza-bench-token-MUST-NOT-LEAK-5e1d";

export function kitFor(flavor: Flavor): Kit {
  return flavor === "ours" ? (require("../provider") as Kit) : (baseline as unknown as Kit);
}

export interface Rig {
  emu: Emulator;
  dir: string;
  stateFile: string;
  dataFile: string;
  /** `checkpoints: "every-step"` writes the state after every resource step (checkpointMs 0); "throttled" is the engine's default (at most every 250 ms). */
  engine(extra?: EngineOptions, checkpoints?: "every-step" | "throttled"): Engine;
  /** Restarts the server on the same data file (the tenant survives); engines made afterwards use the new URL. */
  restart(knobs?: KnobsPatch): Promise<void>;
  close(): Promise<void>;
}

export interface RigOptions {
  flavor?: Flavor;
  knobs?: KnobsPatch;
  seed?: number;
  /** Extra provider settings (config for ours, env for the baseline), e.g. {"veza:requestTimeoutMs": "300"}. */
  config?: Record<string, string>;
  /** Keep the tenant in a data file so `restart` keeps it (costs a file write per mutation: off for timings). */
  persist?: boolean;
}

export async function makeRig(o: RigOptions = {}): Promise<Rig> {
  const flavor = o.flavor ?? "ours";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "veza-bench-"));
  const dataFile = path.join(dir, "tenant.json");
  const stateFile = path.join(dir, "state.json");
  let emu = await startEmulator({ token: BENCH_TOKEN, seed: o.seed ?? 1, knobs: o.knobs, dataFile: o.persist ? dataFile : undefined });
  const rig: Rig = {
    get emu() {
      return emu;
    },
    dir,
    stateFile,
    dataFile,
    engine(extra: EngineOptions = {}, checkpoints = "every-step") {
      const base: EngineOptions =
        flavor === "ours"
          ? {
              config: { "veza:url": emu.url, "veza:apiToken": BENCH_TOKEN, ...(o.config ?? {}) },
              secretConfigKeys: ["veza:apiToken"],
              env: { VEZA_URL: undefined, VEZA_API_TOKEN: undefined, VEZA_TOKEN: undefined },
            }
          : { config: {}, env: { VEZA_URL: emu.url, VEZA_API_TOKEN: BENCH_TOKEN, VEZA_TOKEN: undefined } };
      const opts: EngineOptions = {
        stateFile,
        parallel: 64,
        opTimeoutMs: 600_000,
        callTimeoutMs: 120_000,
        ...base,
        ...extra,
        env: { ...base.env, ...(extra.env ?? {}) },
      };
      return new Engine({ checkpointMs: checkpoints === "every-step" ? 0 : undefined, ...opts });
    },
    async restart(knobs?: KnobsPatch) {
      if (!o.persist) throw new Error("restart needs a rig made with persist: true");
      await emu.close();
      emu = await startEmulator({ token: BENCH_TOKEN, seed: (o.seed ?? 1) + 1000, knobs, dataFile });
    },
    async close() {
      await emu.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return rig;
}
