/**
 * How requests leave the process: one undici dispatcher per connection setup (proxy from the
 * environment or veza:proxy, keep-alive, connection cap), the User-Agent, and network errors
 * turned into messages that say what to do (proxy refused, certificate not trusted). Never the
 * token, never proxy credentials.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Dispatcher } from "undici";
import { parseProxyUrl, redactProxyUrl, type Settings } from "../config";
import { VezaConfigError } from "../errors";
import { redact, SHORTEST_REDACTED_SECRET } from "./messages";
import { pulumiWarn } from "./log";

/**
 * undici, loaded when the first request needs a dispatcher: a provider process that only checks and
 * diffs (a preview) never sends a request, and loading undici is a tenth of its start-up.
 */
const undici = (): typeof import("undici") => require("undici");

/** The proxy a request to the Veza origin goes through, for messages (never its credentials). */
export interface ProxyRoute {
  /** `host:port` of the proxy. */
  host: string;
  /** Where it came from: `veza:proxy / VEZA_PROXY`, `HTTPS_PROXY`, `http_proxy`, ... */
  source: string;
  /** Credentials of the proxy URL, to strip from any message. */
  secrets: string[];
  /** An https:// proxy: its own certificate is checked too. */
  tls: boolean;
}

export interface Transport {
  dispatcher: Dispatcher;
  /** The proxy used for the Veza origin, or undefined when requests go direct. */
  proxy?: ProxyRoute;
}

const transports = new Map<string, Transport>();

interface ProxyChoice {
  url: URL;
  source: string;
}

/** The first set variable among the names (lower case first, as undici and curl read them). */
function envVar(names: string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = process.env[name];
    if (value !== undefined && value.trim() !== "") return { name, value };
  }
  return undefined;
}

function proxyFrom(source: string, raw: string): ProxyChoice {
  const url = parseProxyUrl(raw);
  if (!url) {
    throw new VezaConfigError(`${source} is not a valid proxy URL (expected e.g. http://proxy.example.com:3128): "${redactProxyUrl(raw)}"`);
  }
  return { url, source };
}

/** The proxies for http and https targets and the NO_PROXY list, as EnvHttpProxyAgent would read them; veza:proxy wins. */
function chooseProxies(s: Settings): { http?: ProxyChoice; https?: ProxyChoice; noProxy: string } {
  const noProxy = envVar(["no_proxy", "NO_PROXY"])?.value ?? "";
  if (s.proxy) {
    const p = proxyFrom("veza:proxy / VEZA_PROXY", s.proxy);
    return { http: p, https: p, noProxy };
  }
  const h = envVar(["http_proxy", "HTTP_PROXY"]);
  const hs = envVar(["https_proxy", "HTTPS_PROXY"]);
  const http = h ? proxyFrom(h.name, h.value) : undefined;
  const https = hs ? proxyFrom(hs.name, hs.value) : http;
  return { http, https, noProxy };
}

/**
 * Whether NO_PROXY exempts the host, by the rules of undici's EnvHttpProxyAgent (which does the
 * routing; this copy only names the proxy in error messages): exact host or a subdomain of an
 * entry, optional `:port`, `*` for everything, an empty list exempts nothing (not even loopback).
 */
function bypassed(noProxy: string, target: URL): boolean {
  const entries = noProxy.split(/[,\s]/).filter(Boolean);
  if (entries.length === 0) return false;
  if (noProxy === "*") return true;
  const host = target.host.replace(/:\d*$/, "").toLowerCase();
  const port = Number.parseInt(target.port, 10) || (target.protocol === "https:" ? 443 : 80);
  return entries.some((entry) => {
    const m = /^(.+):(\d+)$/.exec(entry);
    const name = (m ? m[1]! : entry).replace(/^\*?\./, "").toLowerCase();
    if (m && Number(m[2]) !== port) return false;
    return host === name || host.endsWith(`.${name}`);
  });
}

/**
 * The dispatcher for these settings (one per process and setup, so connections are reused):
 * EnvHttpProxyAgent with the proxies read above, CONNECT tunnels for https targets and plain
 * forwarding for http ones. Throws VezaConfigError for a malformed proxy URL, naming the variable.
 */
export function transportFor(s: Settings): Transport {
  const target = new URL(s.url);
  const { http, https, noProxy } = chooseProxies(s);
  const key = JSON.stringify([target.origin, s.maxConcurrency, http?.url.href, https?.url.href, noProxy]);
  const cached = transports.get(key);
  if (cached) return cached;
  if (target.protocol === "https:" || https?.url.protocol === "https:") warnIfVerificationOff(target.host);
  const agentOptions = { connections: s.maxConcurrency, keepAliveTimeout: 30_000, pipelining: 1 };
  let dispatcher: Dispatcher;
  let proxy: ProxyRoute | undefined;
  if (!http && !https) {
    dispatcher = new (undici().Agent)(agentOptions);
  } else {
    dispatcher = new (undici().EnvHttpProxyAgent)({
      ...agentOptions,
      // an empty string stops EnvHttpProxyAgent from reading the variable itself (we chose the proxy above)
      httpProxy: http?.url.href ?? "",
      httpsProxy: https?.url.href ?? "",
      noProxy,
      proxyTunnel: false,
    } as import("undici").EnvHttpProxyAgent.Options);
    const used = target.protocol === "https:" ? https : http;
    if (used && !bypassed(noProxy, target)) {
      proxy = {
        host: used.url.host,
        source: used.source,
        secrets: [used.url.username, used.url.password, decodeURIComponent(used.url.password)].filter(
          (x) => x.length >= SHORTEST_REDACTED_SECRET,
        ),
        tls: used.url.protocol === "https:",
      };
    }
  }
  const t: Transport = { dispatcher, proxy };
  transports.set(key, t);
  return t;
}

/** Closes every dispatcher of this process (tests, CLI exit). */
export async function closeAllTransports(): Promise<void> {
  const all = [...transports.values()];
  transports.clear();
  await Promise.all(all.map((t) => t.dispatcher.close().catch(() => undefined)));
}

// ---- User-Agent ---------------------------------------------------------------------------------

let userAgentCache: string | undefined;

function versionOf(startDir: string, name: string): string {
  let dir = startDir;
  for (let i = 0; i < 8; i++) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === name && typeof pkg.version === "string") return pkg.version;
    } catch {
      // no package.json here: keep walking up
    }
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return "unknown";
}

/** `pulumi-veza/<version> (node/<version>; @pulumi/pulumi/<version>)`, read from the package.json files once. */
export function userAgent(): string {
  if (userAgentCache) return userAgentCache;
  const own = versionOf(__dirname, "pulumi-veza");
  let pulumi = "unknown";
  try {
    pulumi = versionOf(path.dirname(require.resolve("@pulumi/pulumi")), "@pulumi/pulumi");
  } catch {
    // not installed next to the provider
  }
  userAgentCache = `pulumi-veza/${own} (node/${process.versions.node}; @pulumi/pulumi/${pulumi})`;
  return userAgentCache;
}

// ---- network errors -----------------------------------------------------------------------------

/** OpenSSL verification codes Node reports when it does not trust the server's certificate. */
const UNTRUSTED_CERT = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "INVALID_CA",
]);
const EXPIRED_CERT = new Set(["CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID", "CERT_REVOKED"]);
const HOST_MISMATCH = "ERR_TLS_CERT_ALTNAME_INVALID";
/** Set once this process has warned that certificates are not verified. */
let warnedVerificationOff = false;

/**
 * NODE_TLS_REJECT_UNAUTHORIZED=0 turns off certificate verification for every TLS connection of the
 * process (Node's default for `rejectUnauthorized`, which undici follows). The provider cannot turn
 * it back on for its own connections without breaking the user's explicit choice, so it says so,
 * once per process, as a warning the Pulumi CLI shows: the token then goes to whoever answers.
 */
export function warnIfVerificationOff(host: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NODE_TLS_REJECT_UNAUTHORIZED !== "0" || warnedVerificationOff) return false;
  warnedVerificationOff = true;
  pulumiWarn(
    `pulumi-veza: TLS CERTIFICATES ARE NOT VERIFIED: NODE_TLS_REJECT_UNAUTHORIZED=0 is set in this process's environment. ` +
      `Anyone between this machine and ${host} can read the Veza API token and change what is sent and received. ` +
      `Unset NODE_TLS_REJECT_UNAUTHORIZED; for a private or corporate CA set NODE_EXTRA_CA_CERTS=/path/to/ca.pem instead.`,
  );
  return true;
}

/** Connection-level failures: with a proxy in the way, they are about the proxy. */
const CONNECT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** Every error in the cause chain (undici wraps TLS errors met through a proxy). */
function chain(err: unknown): any[] {
  const out: any[] = [];
  let e: any = err;
  for (let depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    out.push(e);
    e = e.cause;
  }
  return out;
}

export interface NetworkProblem {
  /** What happened and what to do; never the token or proxy credentials. */
  message: string;
  /** Retrying cannot help (certificate not trusted, proxy wants credentials): fail now. */
  fatal: boolean;
}

/**
 * A request that got no HTTP response, explained. Certificate failures name NODE_EXTRA_CA_CERTS; proxy
 * failures name the variable the proxy came from and its host.
 */
export function describeNetworkError(cause: unknown, s: Settings, t: Transport | undefined, code: string): NetworkProblem {
  const p = explain(cause, s, t, code);
  // VezaApiError ends the message with its own full stop
  return { ...p, message: p.message.replace(/\.+$/, "") };
}

function explain(cause: unknown, s: Settings, t: Transport | undefined, code: string): NetworkProblem {
  const errors = chain(cause);
  const proxy = t?.proxy;
  // undici wraps a failure of the TLS connection to an https proxy in UND_ERR_PRX_TLS: then the certificate is the proxy's
  const ofProxy = proxy !== undefined && errors.some((e) => e?.code === "UND_ERR_PRX_TLS");
  const target = ofProxy
    ? `the proxy ${proxy.host} (from ${proxy.source})`
    : proxy?.tls
      ? `${safeHost(s.url)} (or of the https proxy ${proxy.host})`
      : safeHost(s.url);
  const raw = `${code || "network error"}: ${(cause as Error)?.message ?? String(cause)}`;
  const clean = (text: string): string => {
    let out = redact(text, s.token);
    for (const secret of t?.proxy?.secrets ?? []) out = redact(out, secret);
    return out;
  };
  const tlsCode = errors
    .map((e) => e.code)
    .find((c) => typeof c === "string" && (UNTRUSTED_CERT.has(c) || EXPIRED_CERT.has(c) || c === HOST_MISMATCH));
  if (tlsCode) {
    const detail = clean(errors.find((e) => e.code === tlsCode)?.message ?? tlsCode);
    let what: string;
    if (tlsCode === HOST_MISMATCH) {
      const fix = ofProxy ? `Check ${proxy.source}` : "Check veza:url / VEZA_URL";
      what = `the TLS certificate of ${target} does not name that host (${tlsCode}: ${detail}). ${fix}: use the host name the certificate was issued for.`;
    } else if (EXPIRED_CERT.has(tlsCode)) {
      what = `the TLS certificate of ${target} is not valid now (${tlsCode}: ${detail}). The tenant (or a TLS-inspecting proxy) must present a current certificate; check the clock of this machine too.`;
    } else {
      what =
        `the TLS certificate of ${target} is not trusted (${tlsCode}: ${detail}). If it chains to a private or corporate CA ` +
        `(or a TLS-inspecting proxy), set NODE_EXTRA_CA_CERTS=/path/to/ca.pem in the environment of the pulumi command ` +
        `(Node reads it at start; the provider process inherits it). Do not turn verification off.`;
    }
    return { message: what, fatal: true };
  }
  if (proxy) {
    const text = errors.map((e) => String(e?.message ?? "")).join(" ");
    const status = /Proxy response \((\d{3})\)/.exec(text)?.[1] ?? /Proxy Authentication Required \((407)\)/.exec(text)?.[1];
    const via = `the proxy ${proxy.host} (from ${proxy.source})`;
    if (status === "407") {
      return {
        message: `${via} answered 407 Proxy Authentication Required: put the proxy's user and password in the proxy URL (http://user:password@${proxy.host}) of ${proxy.source}, or ask for access.`,
        fatal: true,
      };
    }
    if (status) {
      return {
        message: `${via} refused the tunnel to ${target} with HTTP ${status}. Check that the proxy allows ${target}, or exempt it with NO_PROXY.`,
        fatal: status === "403",
      };
    }
    if (errors.some((e) => e?.code === "UND_ERR_PRX_TLS")) {
      return { message: clean(`${via}: TLS to the proxy failed: ${raw}`), fatal: false };
    }
    if (CONNECT_CODES.has(code)) {
      return {
        message: clean(
          `could not reach ${via} (${raw}). Check ${proxy.source}, or exempt ${target} with NO_PROXY if it should be reached directly.`,
        ),
        fatal: false,
      };
    }
    return { message: clean(`${raw} (through ${via})`), fatal: false };
  }
  return { message: clean(raw), fatal: false };
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "the Veza host";
  }
}
