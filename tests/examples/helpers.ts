/** Set-up for the example tests: an emulator and an engine wired to it (state in a temp dir). */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type Emulator } from "../../emulator";
import { Engine, type EngineOptions } from "../../harness";

export const TOKEN = "veza-examples-token-DO-NOT-LEAK-5e1f";
export const REPO = path.resolve(__dirname, "..", "..");

export interface ExampleRig {
  emu: Emulator;
  dir: string;
  engine(extra?: EngineOptions): Engine;
  close(): Promise<void>;
}

export async function exampleRig(): Promise<ExampleRig> {
  const emu = await startEmulator({ token: TOKEN });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "veza-examples-"));
  return {
    emu,
    dir,
    engine: (extra: EngineOptions = {}) =>
      new Engine({
        stateFile: path.join(dir, "state.json"),
        config: { "veza:url": emu.url, "veza:apiToken": TOKEN },
        secretConfigKeys: ["veza:apiToken"],
        env: { VEZA_URL: undefined, VEZA_API_TOKEN: undefined, VEZA_TOKEN: undefined },
        ...extra,
      }),
    close: async () => {
      await emu.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The tenant's names. */
export function tenant(emu: Emulator) {
  return {
    types: emu.store.listTypes().map((t) => t.name).sort(),
    profiles: emu.store.listProfiles().map((p) => p.name).sort(),
  };
}
