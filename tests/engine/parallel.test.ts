/**
 * The test engine runs as many resource operations at once as the Pulumi CLI would: `--parallel`
 * (the `parallel` option), else PULUMI_PARALLEL, else 4 × cores — so no test gets a kinder engine
 * than a user's. The last test watches the operations in flight through the fixture provider.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Engine, engineParallel } from "../../harness";
import { inProcess } from "../support/in-process";
import { KvItem, readCalls } from "./fixtures/kv";

describe("engineParallel: the CLI's --parallel", () => {
  test.each([
    ["no flag, no variable: 4 × cores", undefined, {}, 2, 8],
    ["no flag, no variable, 16 cores", undefined, {}, 16, 64],
    ["PULUMI_PARALLEL", undefined, { PULUMI_PARALLEL: "3" }, 2, 3],
    ["the flag beats PULUMI_PARALLEL", 1, { PULUMI_PARALLEL: "3" }, 2, 1],
    ["the flag at 0: unbounded", 0, {}, 2, Infinity],
    ["PULUMI_PARALLEL at 0: unbounded", undefined, { PULUMI_PARALLEL: "0" }, 2, Infinity],
    ["PULUMI_PARALLEL not a number: ignored", undefined, { PULUMI_PARALLEL: "lots" }, 2, 8],
    ["PULUMI_PARALLEL empty: ignored", undefined, { PULUMI_PARALLEL: " " }, 2, 8],
  ] as const)("%s", (_title, option, env, cores, expected) => {
    expect(engineParallel(option, env, cores)).toBe(expected);
  });

  test("an Engine without the option uses this machine's default (or this process's PULUMI_PARALLEL)", () => {
    expect(new Engine().parallel).toBe(engineParallel(undefined, process.env, os.cpus().length));
    expect(new Engine({ parallel: 5 }).parallel).toBe(5);
  });
});

describe("the engine keeps to it", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "parallel-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("12 independent resources with parallel 3: 3 operations at once, never more", async () => {
    const e = new Engine({ stateFile: path.join(dir, "state.json"), parallel: 3, providerHost: inProcess, env: { KV_DIR: dir } });
    const s = await e.up(() => {
      for (let i = 0; i < 12; i++) new KvItem(`i${i}`, { key: `i${i}`, value: "v" });
    });
    expect(s.errors).toEqual([]);
    expect(s.creates).toBe(12);
    expect(s.grpc.Create).toBe(12);
    expect(readCalls(dir).filter((c) => c.method === "create")).toHaveLength(12);
    expect(s.peakParallel).toBe(3);
  });
});
