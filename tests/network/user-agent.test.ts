/** Every request carries `User-Agent: pulumi-veza/<version> (node/<version>; @pulumi/pulumi/<version>)`, as the emulator records it. */
import * as fs from "node:fs";
import * as path from "node:path";
import { userAgent } from "../../provider/client/transport";
import { rig, type Rig } from "../resources/helpers";
import { CLEAN_ENV, smallStack } from "./helpers";

let r: Rig;
afterEach(async () => {
  await r?.close();
});

const version = (file: string) => (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
const EXPECTED = `pulumi-veza/${version(path.join(__dirname, "../../package.json"))} (node/${process.versions.node}; @pulumi/pulumi/${version(require.resolve("@pulumi/pulumi/package.json"))})`;

test("the emulator sees the User-Agent on every request of an up, a refresh and a destroy", async () => {
  expect(userAgent()).toBe(EXPECTED);
  expect(EXPECTED).toMatch(/^pulumi-veza\/\d+\.\d+\.\d+\S* \(node\/\d+\.\d+\.\d+; @pulumi\/pulumi\/\d+\.\d+\.\d+\S*\)$/);
  r = await rig();
  const e = r.engine({ env: { ...CLEAN_ENV } });
  expect((await e.up(smallStack())).errors).toEqual([]);
  expect((await e.refresh()).errors).toEqual([]);
  expect((await e.destroy()).errors).toEqual([]);
  const seen = r.emu.requests();
  expect(seen.length).toBeGreaterThanOrEqual(8);
  expect([...new Set(seen.map((q) => q.userAgent))]).toEqual([EXPECTED]);
}, 120_000);
