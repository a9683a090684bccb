/**
 * Connection settings, resolved when an operation needs them (never captured in the serialized
 * provider, never written to state, never printed).
 *
 * Precedence: explicit overrides → stack config given to the provider's `configure`
 * (`veza:*`) → the program's stack config (`@pulumi/pulumi`'s `Config("veza")`, which reads the
 * `PULUMI_CONFIG` the language host sets, keys `veza:config:url` or `veza:url`) → environment.
 *
 * Token rotation: a token from stack config that the server refuses (401) is replaced, for the rest
 * of the process, by a different token from the environment (`fallbackToken`, see client.ts). The
 * CLI's `refresh` and `destroy` configure the provider from the config saved at the last `up`, so
 * after a rotation the environment is the only place a new token can come from for them.
 */
export interface Settings {
  url: string;
  token: string;
  /** Ceiling on requests in flight per tenant and process, shared by every resource (default 64: the engine's `--parallel` is the limit); the pacer's window adapts below it. */
  maxConcurrency: number;
  /** One attempt's time limit in ms (default 30000). */
  requestTimeoutMs: number;
  /** Retries after the first attempt (default 6). */
  maxRetries: number;
  /** Total time one call may spend across all its attempts, in ms (default 120000). */
  retryDeadlineMs: number;
  /** Proxy for every Veza request, overriding HTTPS_PROXY / HTTP_PROXY (NO_PROXY still applies). */
  proxy?: string;
  /** Allow an http:// URL to a non-loopback host, sending the token in clear text (labs only; default false). */
  allowInsecureHttp: boolean;
  /** Request log on the provider's stderr: off (default), info (retries and warnings), debug (every attempt). */
  logLevel: LogLevel;
  /** Adapt the window and the send pace to the tenant's answers (default true; false: `maxConcurrency` in flight, no learning). */
  adaptivePacing: boolean;
  /** A ceiling on requests per second per process, 0 = none (default 0). */
  maxRequestsPerSecond: number;
  /** How long a finished walk of a documented list answers look-ups, in ms (default 30000; 0: every look-up walks). */
  readCacheTtlMs: number;
  /**
   * A different token from the environment, used when `token` came from stack config and the
   * server refuses it (401). Absent when the token was given explicitly or came from the environment.
   */
  fallbackToken?: { value: string; variable: string };
}

export const LOG_LEVELS = ["off", "info", "debug"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type SettingOverrides = Partial<Omit<Settings, "fallbackToken">>;

interface SettingSpec {
  key: Exclude<keyof Settings, "fallbackToken">;
  config: string;
  env: string[];
  /** What the setting means, for users (docs/index.md is generated from it; a default the code does not hold in DEFAULTS is stated here as "Default X."). */
  doc: string;
}

const SPECS: SettingSpec[] = [
  { key: "url", config: "veza:url", env: ["VEZA_URL"], doc: "Tenant base URL, e.g. `https://acme.vezacloud.com`. `http://` only for a loopback host unless `veza:allowInsecureHttp` is true." },
  { key: "token", config: "veza:apiToken", env: ["VEZA_API_TOKEN", "VEZA_TOKEN"], doc: "API token (bearer). Set it with `pulumi config set --secret veza:apiToken` so it is stored encrypted." },
  { key: "maxConcurrency", config: "veza:maxConcurrency", env: ["VEZA_MAX_CONCURRENCY"], doc: "Ceiling on requests in flight per provider process, shared by all resources (a whole number >= 1); the provider adapts below it to the tenant's answers. Default 64, so the engine's `--parallel` is the limit." },
  { key: "requestTimeoutMs", config: "veza:requestTimeoutMs", env: ["VEZA_REQUEST_TIMEOUT_MS"], doc: "Time limit of one attempt, in ms." },
  { key: "maxRetries", config: "veza:maxRetries", env: ["VEZA_MAX_RETRIES"], doc: "Retries after the first attempt (429, 5xx, refused connections)." },
  { key: "retryDeadlineMs", config: "veza:retryDeadlineMs", env: ["VEZA_RETRY_DEADLINE_MS"], doc: "Total time one call may spend across its attempts, in ms." },
  { key: "proxy", config: "veza:proxy", env: ["VEZA_PROXY"], doc: "Proxy URL for Veza requests, overriding `HTTPS_PROXY` / `HTTP_PROXY` (`NO_PROXY` still applies); `host:port` means `http://host:port`." },
  { key: "allowInsecureHttp", config: "veza:allowInsecureHttp", env: ["VEZA_ALLOW_INSECURE_HTTP"], doc: "Allow an `http://` URL to a host that is not loopback, sending the token in clear text (labs only). Default false." },
  { key: "logLevel", config: "veza:logLevel", env: ["VEZA_LOG"], doc: "Request log on the provider's stderr: `off`, `info` (retries and warnings) or `debug` (every attempt). Default off." },
  { key: "adaptivePacing", config: "veza:adaptivePacing", env: ["VEZA_ADAPTIVE_PACING"], doc: "Adapt the requests in flight and the send pace to the tenant's answers (latency, 429, 503, rate-limit headers). Default true; false: `veza:maxConcurrency` in flight, paced only by `veza:maxRequestsPerSecond`." },
  { key: "maxRequestsPerSecond", config: "veza:maxRequestsPerSecond", env: ["VEZA_MAX_REQUESTS_PER_SECOND"], doc: "A ceiling on requests per second per provider process; 0 means none. Default 0." },
  {
    key: "readCacheTtlMs",
    config: "veza:readCacheTtlMs",
    env: ["VEZA_READ_CACHE_TTL_MS"],
    doc: "How long a finished walk of Veza's lists answers look-ups (refresh, name and version look-ups), in ms; 0: every look-up walks the list again.",
  },
];

const DEFAULTS = { maxConcurrency: 64, requestTimeoutMs: 30_000, maxRetries: 6, retryDeadlineMs: 120_000, adaptivePacing: true, maxRequestsPerSecond: 0, readCacheTtlMs: 30_000 };

/** The default ceiling of requests in flight: the CLI's default `--parallel` (4 × cores) on a 16-core machine, so the engine, not the provider, sets the pace. */
export const DEFAULT_MAX_CONCURRENCY = DEFAULTS.maxConcurrency;

/** Raised when a setting is missing or malformed; names the config key and the env variable. */
export class VezaConfigError extends Error {
  readonly code = "VEZA_CONFIG";
  constructor(message: string) {
    super(message);
    this.name = "VezaConfigError";
  }
}

/** The stack's config values (namespaced keys, e.g. `veza:url`), as the provider's `configure` hands them over. */
export type StackConfig = Readonly<Record<string, string | undefined>>;

/** The environment variables of a setting, in the order they are read (e.g. token: VEZA_API_TOKEN, VEZA_TOKEN). */
export function environmentVariables(key: SettingSpec["key"]): readonly string[] {
  return SPECS.find((s) => s.key === key)?.env ?? [];
}

/** Every config key the provider reads: what `configure` takes from the engine's request. */
export const CONFIG_KEYS: readonly string[] = SPECS.map((s) => s.config);

/**
 * `@pulumi/pulumi` when this process runs Pulumi code (a program, the provider process: the SDK is
 * already loaded, or the language host set PULUMI_CONFIG). Elsewhere (the export CLI, scripts) it is
 * not loaded just to find no config: loading the SDK costs a second or more.
 */
function pulumiSdk(): typeof import("@pulumi/pulumi") | undefined {
  try {
    const resolved = require.resolve("@pulumi/pulumi");
    if (process.env.PULUMI_CONFIG === undefined && !require.cache[resolved]) return undefined;
    return require(resolved) as typeof import("@pulumi/pulumi");
  } catch {
    return undefined;
  }
}

/**
 * The program's stack config through `@pulumi/pulumi`'s own `Config`, which understands both key
 * forms the language host may write (`veza:config:url` and `veza:url`).
 */
function programConfig(key: string): string | undefined {
  const pulumi = pulumiSdk();
  if (!pulumi) return undefined;
  const i = key.indexOf(":");
  try {
    return new pulumi.Config(key.slice(0, i)).get(key.slice(i + 1));
  } catch {
    return undefined;
  }
}

const present = (v: string | undefined): v is string => v !== undefined && v !== "";

type Source = "config" | "env";

/** The environment settings are read from (the process's; tests pass their own). */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Where settings may come from. `environmentOnly`: a command outside a Pulumi program (`pulumi-veza
 * export`) reads no stack config, so it neither looks there nor names config keys in its messages.
 */
export interface SettingSources {
  environmentOnly?: boolean;
}

function lookup(spec: SettingSpec, stackConfig: StackConfig, env: Environment, sources: SettingSources): { value: string; source: Source } | undefined {
  const fromConfig = sources.environmentOnly ? undefined : [stackConfig[spec.config], programConfig(spec.config)].find(present);
  if (fromConfig !== undefined) return { value: fromConfig, source: "config" };
  const fromEnv = spec.env.map((e) => env[e]).find(present);
  return fromEnv !== undefined ? { value: fromEnv, source: "env" } : undefined;
}

/** The first environment token that differs from `token` (VEZA_API_TOKEN, then VEZA_TOKEN). */
function environmentFallback(spec: SettingSpec, token: string, env: Environment): Settings["fallbackToken"] {
  for (const variable of spec.env) {
    const value = env[variable];
    if (present(value) && value !== token) return { value, variable };
  }
  return undefined;
}

/** The setting as the reader can set it: the config key and the variable, or (environment only) the variable. */
function describer(sources: SettingSources): (spec: SettingSpec) => string {
  return (spec) =>
    sources.environmentOnly ? `environment variable ${spec.env.join(" / ")}` : `config "${spec.config}" or environment variable ${spec.env.join(" / ")}`;
}

/** Resolves every setting now. A missing URL or token fails naming both the config key and the env variable. */
export function resolveSettings(overrides: SettingOverrides = {}, stackConfig: StackConfig = {}, env: Environment = process.env, sources: SettingSources = {}): Settings {
  const describe = describer(sources);
  const out: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const spec of SPECS) {
    const given = overrides[spec.key];
    const found = given !== undefined ? { value: String(given), source: "override" as const } : lookup(spec, stackConfig, env, sources);
    const raw = found?.value;
    if (spec.key === "url" || spec.key === "token") {
      if (!raw) missing.push(`${spec.key === "url" ? "Veza URL" : "Veza API token"}: set ${describe(spec)}`);
      else out[spec.key] = spec.key === "url" ? raw.replace(/\/+$/, "") : raw;
      if (raw && spec.key === "token" && found?.source === "config") {
        const fallback = environmentFallback(spec, raw, env);
        if (fallback) out.fallbackToken = fallback;
      }
      continue;
    }
    if (spec.key === "proxy" || spec.key === "allowInsecureHttp" || spec.key === "logLevel") {
      if (raw !== undefined || spec.key !== "proxy") out[spec.key] = networkSetting(spec, raw, describe);
      continue;
    }
    if (raw === undefined) {
      out[spec.key] = DEFAULTS[spec.key as keyof typeof DEFAULTS];
      continue;
    }
    if (spec.key === "adaptivePacing") {
      const b = raw.trim().toLowerCase();
      if (b !== "true" && b !== "false") throw new VezaConfigError(`${describe(spec)} must be true or false, got "${raw}"`);
      out[spec.key] = b === "true";
      continue;
    }
    const n = Number(raw);
    const min = spec.key === "maxConcurrency" ? 1 : 0;
    if (!Number.isInteger(n) || n < min) {
      throw new VezaConfigError(`${describe(spec)} must be a whole number >= ${min}, got "${raw}"`);
    }
    out[spec.key] = n;
  }
  if (missing.length) throw new VezaConfigError(`Missing Veza connection settings. ${missing.join("; ")}.`);
  if (!/^https?:\/\//.test(String(out.url))) {
    throw new VezaConfigError(`${describe(SPECS[0])} must be an http(s) URL like https://acme.vezacloud.com`);
  }
  checkCleartext(String(out.url), out.allowInsecureHttp === true, describe);
  return out as unknown as Settings;
}

/** veza:proxy (a URL; scheme-less host:port means http://), veza:allowInsecureHttp (true/false), veza:logLevel. */
function networkSetting(spec: SettingSpec, raw: string | undefined, describe: (spec: SettingSpec) => string): string | boolean {
  if (spec.key === "logLevel") {
    const v = (raw ?? "off").trim().toLowerCase();
    if (!(LOG_LEVELS as readonly string[]).includes(v)) throw new VezaConfigError(`${describe(spec)} must be one of ${LOG_LEVELS.join(", ")}, got "${raw}"`);
    return v;
  }
  if (spec.key === "allowInsecureHttp") {
    const v = (raw ?? "false").trim().toLowerCase();
    if (v !== "true" && v !== "false") throw new VezaConfigError(`${describe(spec)} must be true or false, got "${raw}"`);
    return v === "true";
  }
  const proxy = parseProxyUrl(String(raw));
  if (!proxy) throw new VezaConfigError(`${describe(spec)} must be a proxy URL like http://proxy.example.com:3128, got "${redactProxyUrl(String(raw))}"`);
  return proxy.href;
}

/** A proxy URL as undici takes it (http: or https:, with a host); `host:port` without a scheme means http://. Undefined when malformed. */
export function parseProxyUrl(raw: string): URL | undefined {
  const text = raw.trim();
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    return undefined;
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || !url.hostname) return undefined;
  return url;
}

/** A proxy URL fit for messages: user and password replaced by "***" (also in text that does not parse). */
export function redactProxyUrl(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/@\s]*@/i, (_m, scheme: string | undefined) => `${scheme ?? ""}***@`);
}

/** 127.0.0.0/8, ::1 and localhost: the only hosts an http:// URL (token in clear text) may name by default. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:7f[0-9a-f]{2}:/.test(h);
}

function checkCleartext(url: string, allowed: boolean, describe: (spec: SettingSpec) => string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new VezaConfigError(`${describe(SPECS[0])} is not a valid URL: "${url}"`);
  }
  if (parsed.protocol !== "http:" || allowed || isLoopbackHost(parsed.hostname)) return;
  const spec = SPECS.find((s) => s.key === "allowInsecureHttp")!;
  throw new VezaConfigError(
    `${describe(SPECS[0])} is http://${parsed.host}: the API token would be sent in clear text. ` +
      `Use https://${parsed.host}${parsed.pathname === "/" ? "" : parsed.pathname}. http:// is accepted only for loopback hosts ` +
      `(127.0.0.1, ::1, localhost); for a lab without TLS set ${describe(spec)} to true.`,
  );
}
