/**
 * The provider's settings, one row each in `SETTINGS` (config key, environment variables, schema,
 * default, doc), as smithy keeps its `NODE_*_CONFIG_OPTIONS`: `resolveSettings` reads the rows,
 * and so does the generated configuration reference (scripts/docs.ts → docs/index.md).
 */
import { z } from "zod";
import { VezaConfigError } from "./errors";

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

type SettingKey = Exclude<keyof Settings, "fallbackToken">;

/** What resolveSettings needs of a setting's zod schema. */
export interface TextReader<T> {
  safeParse(text: string): { success: true; data: T } | { success: false; error: { issues: readonly { message: string }[] } };
}

/** One setting: where it is read from, how its text is read, its default, what it means. */
export interface SettingRow<K extends SettingKey = SettingKey> {
  key: K;
  /** The stack config key (`pulumi config set veza:…`). */
  config: string;
  /** The environment variables, in the order they are read. */
  env: readonly string[];
  /**
   * Reads the setting's text (an override, stack config or the environment) into its value; an
   * issue's message says what is allowed. A zod schema, typed by the one method used, so the
   * published typings load no zod.
   */
  schema: TextReader<Settings[K]>;
  /** The value when nothing sets it; none: the setting is `required`, or stays unset. */
  default?: Settings[K];
  /** A setting that must be given: how the "missing" message names it. */
  required?: string;
  /** How a malformed value appears in the message (a proxy URL's credentials hidden); default: as given. */
  shown?: (raw: string) => string;
  /** What the setting means, for users (the configuration reference in docs/index.md is generated from it). */
  doc: string;
}

/** The default ceiling of requests in flight: the CLI's default `--parallel` (4 × cores) on a 16-core machine, so the engine, not the provider, sets the pace. */
export const DEFAULT_MAX_CONCURRENCY = 64;

const wholeNumber = (min: number) => {
  const error = `must be a whole number >= ${min}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error });
};
const trueOrFalse = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(["true", "false"], { error: "must be true or false" }))
  .transform((v) => v === "true");
const httpUrl = z
  .string()
  .transform((s) => s.replace(/\/+$/, ""))
  .refine((s) => /^https?:\/\//.test(s), { error: "must be an http(s) URL like https://acme.vezacloud.com" });
const proxyUrl = z.string().transform((s, ctx) => {
  const url = parseProxyUrl(s);
  if (url) return url.href;
  ctx.addIssue({ code: "custom", message: "must be a proxy URL like http://proxy.example.com:3128" });
  return z.NEVER;
});

const row = <K extends SettingKey>(r: SettingRow<K>): SettingRow<K> => r;

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
export const SETTINGS: readonly SettingRow[] = [
  row({
    key: "url",
    config: "veza:url",
    env: ["VEZA_URL"],
    schema: httpUrl,
    required: "Veza URL",
    doc: "Tenant base URL, e.g. `https://acme.vezacloud.com`. `http://` only for a loopback host unless `veza:allowInsecureHttp` is true.",
  }),
  row({
    key: "token",
    config: "veza:apiToken",
    env: ["VEZA_API_TOKEN", "VEZA_TOKEN"],
    schema: z.string(),
    required: "Veza API token",
    doc: "Veza API token (bearer) with Lifecycle Management rights. Set it with `pulumi config set --secret veza:apiToken` so it is stored encrypted.",
  }),
  row({
    key: "maxConcurrency",
    config: "veza:maxConcurrency",
    env: ["VEZA_MAX_CONCURRENCY"],
    schema: wholeNumber(1),
    default: DEFAULT_MAX_CONCURRENCY,
    doc: "Ceiling on requests in flight per provider process, shared by all resources (a whole number >= 1); the provider adapts below it to the tenant's answers. Default 64, so the engine's `--parallel` is the limit.",
  }),
  row({
    key: "requestTimeoutMs",
    config: "veza:requestTimeoutMs",
    env: ["VEZA_REQUEST_TIMEOUT_MS"],
    schema: wholeNumber(0),
    default: 30_000,
    doc: "Time limit of one attempt, in ms.",
  }),
  row({
    key: "maxRetries",
    config: "veza:maxRetries",
    env: ["VEZA_MAX_RETRIES"],
    schema: wholeNumber(0),
    default: 6,
    doc: "Retries after the first attempt (429, 5xx, refused connections).",
  }),
  row({
    key: "retryDeadlineMs",
    config: "veza:retryDeadlineMs",
    env: ["VEZA_RETRY_DEADLINE_MS"],
    schema: wholeNumber(0),
    default: 120_000,
    doc: "Total time one call may spend across its attempts, in ms.",
  }),
  row({
    key: "proxy",
    config: "veza:proxy",
    env: ["VEZA_PROXY"],
    schema: proxyUrl,
    shown: (raw) => redactProxyUrl(raw),
    doc: "Proxy URL for Veza requests, overriding `HTTPS_PROXY` / `HTTP_PROXY` (`NO_PROXY` still applies); `host:port` means `http://host:port`.",
  }),
  row({
    key: "allowInsecureHttp",
    config: "veza:allowInsecureHttp",
    env: ["VEZA_ALLOW_INSECURE_HTTP"],
    schema: trueOrFalse,
    default: false,
    doc: "Allow an `http://` URL to a host that is not loopback, sending the token in clear text (labs only). Default false.",
  }),
  row({
    key: "logLevel",
    config: "veza:logLevel",
    env: ["VEZA_LOG"],
    schema: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` })),
    default: "off",
    doc: "Request log on the provider's stderr: `off`, `info` (retries and warnings) or `debug` (every attempt). Default off.",
  }),
  row({
    key: "adaptivePacing",
    config: "veza:adaptivePacing",
    env: ["VEZA_ADAPTIVE_PACING"],
    schema: trueOrFalse,
    default: true,
    doc: "Adapt the requests in flight and the send pace to the tenant's answers (latency, 429, 503, rate-limit headers). Default true; false: `veza:maxConcurrency` in flight, paced only by `veza:maxRequestsPerSecond`.",
  }),
  row({
    key: "maxRequestsPerSecond",
    config: "veza:maxRequestsPerSecond",
    env: ["VEZA_MAX_REQUESTS_PER_SECOND"],
    schema: wholeNumber(0),
    default: 0,
    doc: "A ceiling on requests per second per provider process; 0 means none. Default 0.",
  }),
  row({
    key: "readCacheTtlMs",
    config: "veza:readCacheTtlMs",
    env: ["VEZA_READ_CACHE_TTL_MS"],
    schema: wholeNumber(0),
    default: 30_000,
    doc: "How long a finished walk of Veza's lists keeps answering look-ups (refresh, name and version look-ups) after the last one, in ms: one refresh reads each list once however long it takes; 0: every look-up walks the list again.",
  }),
];

function rowOf(key: SettingKey): SettingRow {
  return SETTINGS.find((r) => r.key === key)!;
}

/** The stack's config values (namespaced keys, e.g. `veza:url`), as the provider's `configure` hands them over. */
export type StackConfig = Readonly<Record<string, string | undefined>>;

/** The environment variables of a setting, in the order they are read (e.g. token: VEZA_API_TOKEN, VEZA_TOKEN). */
export function environmentVariables(key: SettingKey): readonly string[] {
  return rowOf(key).env;
}

/** Every config key the provider reads: what `configure` takes from the engine's request. */
export const CONFIG_KEYS: readonly string[] = SETTINGS.map((r) => r.config);

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

function lookup(
  spec: SettingRow,
  stackConfig: StackConfig,
  env: Environment,
  sources: SettingSources,
): { value: string; source: Source } | undefined {
  const fromConfig = sources.environmentOnly ? undefined : [stackConfig[spec.config], programConfig(spec.config)].find(present);
  if (fromConfig !== undefined) return { value: fromConfig, source: "config" };
  const fromEnv = spec.env.map((e) => env[e]).find(present);
  return fromEnv !== undefined ? { value: fromEnv, source: "env" } : undefined;
}

/** The first environment token that differs from `token` (VEZA_API_TOKEN, then VEZA_TOKEN). */
function environmentFallback(spec: SettingRow, token: string, env: Environment): Settings["fallbackToken"] {
  for (const variable of spec.env) {
    const value = env[variable];
    if (present(value) && value !== token) return { value, variable };
  }
  return undefined;
}

/** The setting as the reader can set it: the config key and the variable, or (environment only) the variable. */
function describer(sources: SettingSources): (spec: SettingRow) => string {
  return (spec) =>
    sources.environmentOnly
      ? `environment variable ${spec.env.join(" / ")}`
      : `config "${spec.config}" or environment variable ${spec.env.join(" / ")}`;
}

/** Resolves every setting now, row by row. A missing URL or token fails naming both the config key and the env variable. */
export function resolveSettings(
  overrides: SettingOverrides = {},
  stackConfig: StackConfig = {},
  env: Environment = process.env,
  sources: SettingSources = {},
): Settings {
  const describe = describer(sources);
  const out: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const setting of SETTINGS) {
    const given = overrides[setting.key];
    const found = given !== undefined ? { value: String(given), source: "override" as const } : lookup(setting, stackConfig, env, sources);
    if (found === undefined || (setting.required && found.value === "")) {
      if (setting.required) missing.push(`${setting.required}: set ${describe(setting)}`);
      else if (setting.default !== undefined) out[setting.key] = setting.default;
      continue;
    }
    const parsed = setting.schema.safeParse(found.value);
    if (!parsed.success) {
      const shown = setting.shown ? setting.shown(found.value) : found.value;
      throw new VezaConfigError(`${describe(setting)} ${parsed.error.issues[0]!.message}, got "${shown}"`);
    }
    out[setting.key] = parsed.data;
    if (setting.key === "token" && found.source === "config") {
      const fallback = environmentFallback(setting, found.value, env);
      if (fallback) out.fallbackToken = fallback;
    }
  }
  if (missing.length) throw new VezaConfigError(`Missing Veza connection settings. ${missing.join("; ")}.`);
  checkCleartext(String(out.url), out.allowInsecureHttp === true, describe);
  return out as unknown as Settings;
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

function checkCleartext(url: string, allowed: boolean, describe: (spec: SettingRow) => string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new VezaConfigError(`${describe(rowOf("url"))} is not a valid URL: "${url}"`);
  }
  if (parsed.protocol !== "http:" || allowed || isLoopbackHost(parsed.hostname)) return;
  const spec = rowOf("allowInsecureHttp");
  throw new VezaConfigError(
    `${describe(rowOf("url"))} is http://${parsed.host}: the API token would be sent in clear text. ` +
      `Use https://${parsed.host}${parsed.pathname === "/" ? "" : parsed.pathname}. http:// is accepted only for loopback hosts ` +
      `(127.0.0.1, ::1, localhost); for a lab without TLS set ${describe(spec)} to true.`,
  );
}
