/**
 * Shared set-up for resource tests: an emulator, an engine wired to it, request accounting. The
 * engine starts a dynamic-provider process per operation, as the CLI does, unless the rig is made
 * with `{ provider: "in-process" }` (tests/support/in-process.ts: the same server code, in this
 * process; for resource behaviour, see harness/README.md "Test layers").
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type Emulator, type LoggedRequest, type RoutesMode } from "../../emulator";
import { Engine, type EngineOptions } from "../../harness";
import { inProcess } from "../support/in-process";

export const TOKEN = "veza-test-token-DO-NOT-LEAK-91c2";

export interface Rig {
  emu: Emulator;
  dir: string;
  stateFile: string;
  engine(extra?: EngineOptions): Engine;
  /** Requests since the last reset, mutating only (POST/PUT/PATCH/DELETE). */
  mutations(): LoggedRequest[];
  close(): Promise<void>;
}

/** Where a rig's engines run the provider: a process per operation (the default), or in this process. */
export interface RigOptions {
  provider?: "in-process" | "process";
}

/** The middle layer's rig: every engine serves its provider in this process. */
export const IN_PROCESS: RigOptions = { provider: "in-process" };

export async function rig(knobs: Parameters<typeof startEmulator>[0] = {}, o: RigOptions = {}): Promise<Rig> {
  const emu = await startEmulator({ token: TOKEN, ...knobs });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "veza-res-"));
  const stateFile = path.join(dir, "state.json");
  return {
    emu,
    dir,
    stateFile,
    engine: (extra: EngineOptions = {}) =>
      new Engine({
        stateFile,
        config: { "veza:url": emu.url, "veza:apiToken": TOKEN, ...(extra.config ?? {}) },
        secretConfigKeys: ["veza:apiToken"],
        env: { VEZA_URL: undefined, VEZA_API_TOKEN: undefined, VEZA_TOKEN: undefined, ...(extra.env ?? {}) },
        providerHost: o.provider === "in-process" ? inProcess : undefined,
        ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== "config" && k !== "env")),
      }),
    mutations: () => emu.requests().filter((r) => r.method !== "GET"),
    close: async () => {
      await emu.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The tenant's contents, for "destroy leaves the emulator empty" and orphan checks. */
export function tenant(emu: Emulator) {
  return {
    types: emu.store.listTypes().map((t) => t.name),
    profiles: emu.store.listProfiles().map((p) => p.name),
  };
}

/** The routes mode this run's emulators start in (jest project, see jest.config.js): "all" unless set. */
export const ROUTES_MODE = (process.env.VEZA_EMULATOR_ROUTES ?? "all") as RoutesMode;
/** The tenant has the assumed routes (GET/DELETE by id, PATCH of a type): tests of those routes' use check this. */
export const HAS_ASSUMED_ROUTES = ROUTES_MODE === "all";
