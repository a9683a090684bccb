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
  /** In-flight requests per process, shared by every resource (default 8). */
  maxConcurrency: number;
  /** One attempt's time limit in ms (default 30000). */
  requestTimeoutMs: number;
  /** Retries after the first attempt (default 6). */
  maxRetries: number;
  /** Total time one call may spend across all its attempts, in ms (default 120000). */
  retryDeadlineMs: number;
  /**
   * A different token from the environment, used when `token` came from stack config and the
   * server refuses it (401). Absent when the token was given explicitly or came from the environment.
   */
  fallbackToken?: { value: string; variable: string };
}

export type SettingOverrides = Partial<Omit<Settings, "fallbackToken">>;

interface SettingSpec {
  key: Exclude<keyof Settings, "fallbackToken">;
  config: string;
  env: string[];
}

const SPECS: SettingSpec[] = [
  { key: "url", config: "veza:url", env: ["VEZA_URL"] },
  { key: "token", config: "veza:apiToken", env: ["VEZA_API_TOKEN", "VEZA_TOKEN"] },
  { key: "maxConcurrency", config: "veza:maxConcurrency", env: ["VEZA_MAX_CONCURRENCY"] },
  { key: "requestTimeoutMs", config: "veza:requestTimeoutMs", env: ["VEZA_REQUEST_TIMEOUT_MS"] },
  { key: "maxRetries", config: "veza:maxRetries", env: ["VEZA_MAX_RETRIES"] },
  { key: "retryDeadlineMs", config: "veza:retryDeadlineMs", env: ["VEZA_RETRY_DEADLINE_MS"] },
];

const DEFAULTS = { maxConcurrency: 8, requestTimeoutMs: 30_000, maxRetries: 6, retryDeadlineMs: 120_000 };

/** Raised when a setting is missing or malformed; names the config key and the env variable. */
export class VezaConfigError extends Error {
  readonly code = "VEZA_CONFIG";
  constructor(message: string) {
    super(message);
    this.name = "VezaConfigError";
  }
}

let providerConfig: Record<string, string | undefined> = {};

/** Called by the provider's `configure` with the stack's (namespaced) config values. */
export function setProviderConfig(values: Record<string, string | undefined>): void {
  providerConfig = { ...values };
}

/**
 * `@pulumi/pulumi` when this process runs Pulumi code (a program, the provider process: the SDK is
 * already loaded, or the language host set PULUMI_CONFIG). Elsewhere (the export CLI, scripts) it is
 * not loaded just to find no config: loading the SDK costs a second or more.
 */
function pulumiSdk(): typeof import("@pulumi/pulumi") | undefined {
  try {
    const resolved = require.resolve("@pulumi/pulumi");
    if (process.env.PULUMI_CONFIG === undefined && !require.cache[resolved]) return undefined;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
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

function lookup(spec: SettingSpec): { value: string; source: Source } | undefined {
  const fromConfig = [providerConfig[spec.config], programConfig(spec.config)].find(present);
  if (fromConfig !== undefined) return { value: fromConfig, source: "config" };
  const fromEnv = spec.env.map((e) => process.env[e]).find(present);
  return fromEnv !== undefined ? { value: fromEnv, source: "env" } : undefined;
}

/** The first environment token that differs from `token` (VEZA_API_TOKEN, then VEZA_TOKEN). */
function environmentFallback(spec: SettingSpec, token: string): Settings["fallbackToken"] {
  for (const variable of spec.env) {
    const value = process.env[variable];
    if (present(value) && value !== token) return { value, variable };
  }
  return undefined;
}

function describe(spec: SettingSpec): string {
  return `config "${spec.config}" or environment variable ${spec.env.join(" / ")}`;
}

/** Resolves every setting now. A missing URL or token fails naming both the config key and the env variable. */
export function resolveSettings(overrides: SettingOverrides = {}): Settings {
  const out: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const spec of SPECS) {
    const given = overrides[spec.key];
    const found = given !== undefined ? { value: String(given), source: "override" as const } : lookup(spec);
    const raw = found?.value;
    if (spec.key === "url" || spec.key === "token") {
      if (!raw) missing.push(`${spec.key === "url" ? "Veza URL" : "Veza API token"}: set ${describe(spec)}`);
      else out[spec.key] = spec.key === "url" ? raw.replace(/\/+$/, "") : raw;
      if (raw && spec.key === "token" && found?.source === "config") {
        const fallback = environmentFallback(spec, raw);
        if (fallback) out.fallbackToken = fallback;
      }
      continue;
    }
    if (raw === undefined) {
      out[spec.key] = DEFAULTS[spec.key as keyof typeof DEFAULTS];
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
  return out as unknown as Settings;
}
