/**
 * Private CAs: the emulator with --tls (server certificate signed by a CA made at start). The CA is
 * trusted only through NODE_EXTRA_CA_CERTS, which Node reads at process start, so it is given to the
 * provider process the test engine starts.
 */
import type { Settings } from "../../provider/config";
import { describeNetworkError, warnIfVerificationOff } from "../../provider/client/transport";
import { rig, TOKEN, type Rig } from "../resources/helpers";
import { startForwardProxy, type ForwardProxy } from "./forward-proxy";
import { CLEAN_ENV, smallStack } from "./helpers";

let r: Rig;
let proxy: ForwardProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await r?.close();
});

test("without the CA: the up fails at once with a message naming NODE_EXTRA_CA_CERTS; nothing reaches the API", async () => {
  r = await rig({ tls: true });
  expect(r.emu.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  const up = await r.engine({ env: { ...CLEAN_ENV } }).up(smallStack());
  expect(up.errors.length).toBeGreaterThan(0);
  for (const { message } of up.errors) {
    if (!/Veza API/.test(message)) continue; // resources that waited on a failed dependency
    expect(message).toContain("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    expect(message).toContain("is not trusted");
    expect(message).toContain("set NODE_EXTRA_CA_CERTS=/path/to/ca.pem");
    expect(message).not.toContain(TOKEN);
  }
  expect(up.errors.map((e) => e.message).join("\n")).toContain("NODE_EXTRA_CA_CERTS");
  expect(r.emu.stats().total).toBe(0); // the handshake failed: no HTTP request was made
}, 120_000);

test("with NODE_EXTRA_CA_CERTS naming the emulator's CA in the provider's environment: up, no-op up and destroy work", async () => {
  r = await rig({ tls: true });
  const e = r.engine({ env: { ...CLEAN_ENV, NODE_EXTRA_CA_CERTS: r.emu.caFile } });
  const up = await e.up(smallStack());
  expect(up.errors).toEqual([]);
  expect(up.creates).toBe(4);
  const again = await e.up(smallStack());
  expect(again).toMatchObject({ creates: 0, updates: 0, sames: 4, errors: [] });
  const destroyed = await e.destroy();
  expect(destroyed.errors).toEqual([]);
  expect(r.emu.store.listProfiles()).toEqual([]);
}, 120_000);

test("NODE_TLS_REJECT_UNAUTHORIZED=0 in the provider's environment: the up works without the CA, and the provider warns once, loudly, that certificates are not verified", async () => {
  r = await rig({ tls: true });
  const up = await r.engine({ env: { ...CLEAN_ENV, NODE_TLS_REJECT_UNAUTHORIZED: "0" } }).up(smallStack());
  expect(up.errors).toEqual([]);
  expect(up.creates).toBe(4);
  const warned = up.warnings.filter((w) => w.includes("TLS CERTIFICATES ARE NOT VERIFIED"));
  expect(warned).toHaveLength(1); // once per process, not per request or resource
  expect(warned[0]).toContain("NODE_TLS_REJECT_UNAUTHORIZED=0");
  expect(warned[0]).toContain(new URL(r.emu.url).host);
  expect(warned[0]).toContain("NODE_EXTRA_CA_CERTS");
  expect(up.stderr).not.toContain(TOKEN);
}, 120_000);

test("without NODE_TLS_REJECT_UNAUTHORIZED=0 (unset or 1) there is no such warning", () => {
  expect(warnIfVerificationOff("acme.vezacloud.com", {})).toBe(false);
  expect(warnIfVerificationOff("acme.vezacloud.com", { NODE_TLS_REJECT_UNAUTHORIZED: "1" })).toBe(false);
});

test("a certificate for another name (through a proxy): the error says the certificate does not name the host", async () => {
  r = await rig({ tls: true }); // covers localhost, 127.0.0.1, ::1, not other.test
  proxy = await startForwardProxy({ hosts: { "other.test": "127.0.0.1" } });
  const url = `https://other.test:${new URL(r.emu.url).port}`;
  const up = await r
    .engine({ config: { "veza:url": url }, env: { ...CLEAN_ENV, HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: r.emu.caFile } })
    .up(smallStack());
  const text = up.errors.map((x) => x.message).join("\n");
  expect(text).toContain("ERR_TLS_CERT_ALTNAME_INVALID");
  expect(text).toContain("does not name that host");
  expect(r.emu.stats().total).toBe(0);
}, 120_000);

describe("certificate failures are explained and not retried", () => {
  const s = { url: "https://acme.vezacloud.com", token: TOKEN } as Settings;
  const tlsError = (code: string, wrap = false) => {
    const e = Object.assign(new Error(`tls: ${code}`), { code });
    return wrap ? Object.assign(new Error("A secure proxy connection failed"), { code: "UND_ERR_PRX_TLS", cause: e }) : e;
  };
  test.each([
    ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "NODE_EXTRA_CA_CERTS"],
    ["SELF_SIGNED_CERT_IN_CHAIN", "NODE_EXTRA_CA_CERTS"],
    ["DEPTH_ZERO_SELF_SIGNED_CERT", "NODE_EXTRA_CA_CERTS"],
    ["UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "NODE_EXTRA_CA_CERTS"],
    ["CERT_HAS_EXPIRED", "is not valid now"],
    ["ERR_TLS_CERT_ALTNAME_INVALID", "does not name that host"],
  ])("%s", (code, says) => {
    for (const wrap of [false, true]) {
      const p = describeNetworkError(tlsError(code, wrap), s, undefined, wrap ? "UND_ERR_PRX_TLS" : code);
      expect(p.fatal).toBe(true);
      expect(p.message).toContain(code);
      expect(p.message).toContain(says);
      expect(p.message).toContain("acme.vezacloud.com");
    }
  });

  test("a host-name failure of an https proxy's own certificate names the proxy and its variable", () => {
    const t = { dispatcher: undefined as never, proxy: { host: "proxy.corp.example:3129", source: "HTTPS_PROXY", secrets: [], tls: true } };
    const p = describeNetworkError(tlsError("ERR_TLS_CERT_ALTNAME_INVALID", true), s, t, "UND_ERR_PRX_TLS");
    expect(p.fatal).toBe(true);
    expect(p.message).toContain("the TLS certificate of the proxy proxy.corp.example:3129 (from HTTPS_PROXY) does not name that host");
    expect(p.message).toContain("Check HTTPS_PROXY");
  });
});
