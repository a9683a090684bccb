/**
 * HTTP(S)_PROXY / NO_PROXY / veza:proxy through the test engine (the provider process reads the
 * environment), against a loopback forward proxy that counts what it carried.
 */
import { startEmulator, type Emulator } from "../../emulator";
import { VezaClient } from "../../provider/client/client";
import { rig, TOKEN, type Rig } from "../resources/helpers";
import { closedPort, startForwardProxy, type ForwardProxy } from "./forward-proxy";
import { CLEAN_ENV, smallStack } from "./helpers";

let r: Rig;
let proxy: ForwardProxy;
afterEach(async () => {
  await proxy?.close();
  await r?.close();
});

const hostOf = (url: string) => new URL(url).host;

test("HTTP_PROXY carries every request of an up and a destroy (plain forwarding, no CONNECT); NO_PROXY naming the host bypasses it", async () => {
  r = await rig();
  proxy = await startForwardProxy();
  // NO_PROXY empty: undici's EnvHttpProxyAgent proxies loopback too, so the emulator on 127.0.0.1 is reached through the proxy
  const viaProxy = r.engine({ env: { ...CLEAN_ENV, HTTP_PROXY: proxy.url, NO_PROXY: "" } });
  const up = await viaProxy.up(smallStack());
  expect(up.errors).toEqual([]);
  expect(up.creates).toBe(4);
  const total = r.emu.stats().total;
  expect(total).toBeGreaterThanOrEqual(4);
  const forwarded = proxy.to(hostOf(r.emu.url), "forward");
  expect(forwarded.length).toBe(total); // every request the emulator saw came through the proxy
  expect(proxy.carried.filter((c) => c.kind === "connect" && c.target === hostOf(r.emu.url))).toEqual([]);
  expect(forwarded.map((c) => c.path).filter((p) => !p!.startsWith("/api/private/lifecycle_management/"))).toEqual([]);

  r.emu.resetStats();
  const before = proxy.carried.length;
  const direct = r.engine({ env: { ...CLEAN_ENV, HTTP_PROXY: proxy.url, NO_PROXY: "localhost,127.0.0.1" } });
  const destroyed = await direct.destroy();
  expect(destroyed.errors).toEqual([]);
  expect(r.emu.stats().total).toBeGreaterThanOrEqual(4);
  expect(proxy.carried.length).toBe(before); // nothing went through the proxy
}, 120_000);

test("HTTPS_PROXY tunnels (CONNECT) every request to an https tenant whose name resolves only at the proxy", async () => {
  r = await rig({ tls: { names: ["veza.test"] } });
  proxy = await startForwardProxy({ hosts: { "veza.test": "127.0.0.1" } });
  const port = new URL(r.emu.url).port;
  const url = `https://veza.test:${port}`;
  const e = r.engine({ config: { "veza:url": url }, env: { ...CLEAN_ENV, HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: r.emu.caFile } });
  const up = await e.up(smallStack());
  expect(up.errors).toEqual([]);
  expect(up.creates).toBe(4);
  // veza.test does not resolve here (RFC 2606 name): a request that bypassed the proxy could not have been sent
  expect(r.emu.stats().total).toBeGreaterThanOrEqual(4);
  const tunnels = proxy.to(`veza.test:${port}`, "connect");
  expect(tunnels.length).toBeGreaterThanOrEqual(1);
  expect(tunnels.length).toBeLessThanOrEqual(8); // keep-alive: at most one tunnel per pooled connection (veza:maxConcurrency 8)
  expect(proxy.carried.filter((c) => c.kind === "forward")).toEqual([]);
  const destroyed = await e.destroy();
  expect(destroyed.errors).toEqual([]);
}, 120_000);

test("veza:proxy overrides HTTP_PROXY; credentials in the proxy URL are sent to the proxy (Basic)", async () => {
  r = await rig();
  proxy = await startForwardProxy({ auth: "alice:s3cret-proxy-pass" });
  const dead = await closedPort();
  const e = r.engine({
    config: { "veza:proxy": `http://alice:s3cret-proxy-pass@127.0.0.1:${proxy.port}` },
    env: { ...CLEAN_ENV, HTTP_PROXY: `http://127.0.0.1:${dead}` },
  });
  const up = await e.up(smallStack());
  expect(up.errors).toEqual([]);
  expect(proxy.to(hostOf(r.emu.url), "forward").length).toBe(r.emu.stats().total);
  expect(proxy.carried.filter((c) => c.refused)).toEqual([]);
  expect(up.stderr).not.toContain("s3cret-proxy-pass");
}, 120_000);

test("a proxy that wants other credentials (407): the up fails naming HTTP_PROXY and the proxy host, not the credentials or token, and retries nothing", async () => {
  r = await rig();
  proxy = await startForwardProxy({ auth: "alice:right-pass-123" });
  const e = r.engine({ env: { ...CLEAN_ENV, HTTP_PROXY: `http://alice:wrong-pass-456@127.0.0.1:${proxy.port}`, NO_PROXY: "" } });
  const up = await e.up(smallStack());
  expect(up.errors.length).toBeGreaterThan(0);
  const text = up.errors.map((x) => x.message).join("\n");
  expect(text).toContain(`the proxy 127.0.0.1:${proxy.port} (from HTTP_PROXY) answered 407 Proxy Authentication Required`);
  for (const secret of ["wrong-pass-456", "right-pass-123", TOKEN]) {
    expect(text).not.toContain(secret);
    expect(up.stderr).not.toContain(secret);
  }
  expect(r.emu.stats().total).toBe(0);
  // the types are the only resources without dependencies: one refused attempt each, no retry
  expect(proxy.carried.filter((c) => c.refused).length).toBe(1);
}, 120_000);

describe("in-process client (process.env)", () => {
  let emu: Emulator;
  const saved = { ...process.env };
  beforeEach(async () => {
    emu = await startEmulator({ token: TOKEN });
    for (const k of Object.keys(CLEAN_ENV)) delete process.env[k];
  });
  afterEach(async () => {
    process.env = { ...saved };
    await emu.close();
  });

  test("CONNECT refused with 407 by an https proxy route: fatal, names HTTPS_PROXY and the proxy host, no credentials", async () => {
    proxy = await startForwardProxy({ auth: "bob:other-pass-789" });
    process.env.https_proxy = `http://bob:bad-pass-000@127.0.0.1:${proxy.port}`;
    const c = new VezaClient({ url: "https://veza.test:443", token: TOKEN, maxRetries: 3 });
    const err = (await c.call("listProfiles").catch((e: Error) => e)) as Error;
    expect(err.message).toContain(`the proxy 127.0.0.1:${proxy.port} (from https_proxy) answered 407`);
    expect(err.message).not.toContain("bad-pass-000");
    expect(err.message).not.toContain(TOKEN);
    expect(proxy.carried).toEqual([{ kind: "connect", method: "CONNECT", target: "veza.test:443", refused: true }]);
  });

  test("nothing listening at the proxy: the error names the variable and the proxy host, not its credentials", async () => {
    const dead = await closedPort();
    process.env.HTTP_PROXY = `http://carol:pw-secret-321@127.0.0.1:${dead}`;
    const c = new VezaClient({ url: emu.url, token: TOKEN, maxRetries: 1, backoffBaseMs: 1 });
    const err = (await c.call("listProfiles").catch((e: Error) => e)) as Error;
    expect(err.message).toContain(`could not reach the proxy 127.0.0.1:${dead} (from HTTP_PROXY)`);
    expect(err.message).toContain("ECONNREFUSED");
    expect(err.message).not.toContain("pw-secret-321");
    expect(emu.stats().total).toBe(0);
  });

  test.each([
    ["HTTPS_PROXY", "http://dave:pw-bad-654@[not-closed:8080", "https://veza.test"],
    ["HTTP_PROXY", "ftp://proxy.example.com:21", "http://127.0.0.1:1"],
    ["VEZA_PROXY", "http://erin:pw-bad-987@exa mple.com:3128", "http://127.0.0.1:1"],
  ])("a malformed %s fails before any request, naming the variable, without the credentials", async (name, value, url) => {
    process.env[name] = value;
    const c = new VezaClient({ url: url === "http://127.0.0.1:1" ? emu.url : url, token: TOKEN, maxRetries: 0 });
    const err = (await c.call("listProfiles").catch((e: Error) => e)) as Error & { code?: string };
    expect(err.code).toBe("VEZA_CONFIG");
    expect(err.message).toContain(name);
    expect(err.message).not.toMatch(/pw-bad/);
    expect(emu.stats().total).toBe(0);
  });
});
