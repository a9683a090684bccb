/**
 * No token in clear text: http:// is accepted only for loopback hosts. Any other host fails at
 * configuration, before a connection is opened; veza:allowInsecureHttp / VEZA_ALLOW_INSECURE_HTTP
 * lets a lab use plain http.
 */
import { resolveSettings } from "../../provider/config";
import { rig, TOKEN, type Rig } from "../resources/helpers";
import { startForwardProxy, type ForwardProxy } from "./forward-proxy";
import { CLEAN_ENV, smallStack } from "./helpers";

let r: Rig;
let proxy: ForwardProxy;
afterEach(async () => {
  await proxy?.close();
  await r?.close();
});

test("http:// to a non-loopback host fails at configuration with 0 connections; with veza:allowInsecureHttp the same setup connects", async () => {
  r = await rig();
  // veza-lab.test resolves only at this proxy, which counts every TCP connection: the one way out
  proxy = await startForwardProxy({ hosts: { "veza-lab.test": "127.0.0.1" } });
  const url = `http://veza-lab.test:${new URL(r.emu.url).port}`;
  const env = { ...CLEAN_ENV, HTTP_PROXY: proxy.url };
  const refused = await r.engine({ config: { "veza:url": url }, env }).up(smallStack());
  expect(refused.errors.length).toBeGreaterThan(0);
  const text = refused.errors.map((e) => e.message).join("\n");
  expect(text).toContain(`is http://veza-lab.test:${new URL(r.emu.url).port}: the API token would be sent in clear text`);
  expect(text).toContain(`Use https://veza-lab.test:`);
  expect(text).toContain('"veza:allowInsecureHttp" or environment variable VEZA_ALLOW_INSECURE_HTTP');
  expect(text).not.toContain(TOKEN);
  expect(proxy.connections()).toBe(0);
  expect(r.emu.stats().total).toBe(0);

  const lab = await r
    .engine({ config: { "veza:url": url, "veza:allowInsecureHttp": "true", "veza:logLevel": "info" }, env })
    .up(smallStack());
  expect(lab.errors).toEqual([]);
  expect(lab.creates).toBe(4);
  expect(proxy.connections()).toBeGreaterThan(0);
  expect(proxy.to(`veza-lab.test:${new URL(r.emu.url).port}`).length).toBe(r.emu.stats().total);
  expect(lab.stderr).toContain("veza:allowInsecureHttp is true: the API token is sent in clear text to veza-lab.test");
}, 120_000);

describe("which http:// URLs are accepted", () => {
  const saved = { ...process.env };
  beforeEach(() => {
    for (const k of ["VEZA_ALLOW_INSECURE_HTTP", "PULUMI_CONFIG"]) delete process.env[k];
  });
  afterEach(() => {
    process.env = { ...saved };
  });
  const settle = (url: string, extra: Record<string, unknown> = {}) => {
    try {
      resolveSettings({ url, token: TOKEN, ...extra });
      return "ok";
    } catch (e) {
      return (e as Error).message;
    }
  };

  test.each([
    "http://127.0.0.1:8080",
    "http://127.5.6.7",
    "http://localhost:1234/base",
    "http://LOCALHOST",
    "http://[::1]:8080",
    "https://acme.vezacloud.com",
    "https://10.0.0.5",
  ])("%s is accepted", (url) => expect(settle(url)).toBe("ok"));

  test.each([
    "http://acme.vezacloud.com",
    "http://10.0.0.5:8080",
    "http://128.0.0.1",
    "http://localhost.evil.example",
    "http://127.0.0.1.nip.io",
    "http://[::2]",
  ])("%s is refused, asking for https", (url) => {
    const m = settle(url);
    expect(m).toContain("the API token would be sent in clear text");
    expect(m).toContain("Use https://");
    expect(m).not.toContain(TOKEN);
  });

  test("VEZA_ALLOW_INSECURE_HTTP=true allows it; a value other than true/false names the key", () => {
    process.env.VEZA_ALLOW_INSECURE_HTTP = "true";
    expect(settle("http://acme.vezacloud.com")).toBe("ok");
    process.env.VEZA_ALLOW_INSECURE_HTTP = "yes";
    expect(settle("http://acme.vezacloud.com")).toBe(
      'config "veza:allowInsecureHttp" or environment variable VEZA_ALLOW_INSECURE_HTTP must be true or false, got "yes"',
    );
  });
});
