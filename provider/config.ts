/**
 * Connection settings, resolved when an operation needs them (never captured in the serialized
 * provider, never written to state, never printed).
 *
 * Precedence: explicit overrides → stack config given to the provider's `configure`
 * (`veza:*`) → the program's stack config (`PULUMI_CONFIG`, set by the Pulumi CLI) → environment.
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
  /** Adapt the send pace to the tenant's 429s and rate-limit headers (default true; false: the fixed cap only). */
  adaptivePacing: boolean;
  /** A ceiling on requests per second per process, 0 = none (default 0). */
  maxRequestsPerSecond: number;
}

export type SettingOverrides = Partial<Settings>;

interface SettingSpec {
  key: keyof Settings;
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
  { key: "adaptivePacing", config: "veza:adaptivePacing", env: ["VEZA_ADAPTIVE_PACING"] },
  { key: "maxRequestsPerSecond", config: "veza:maxRequestsPerSecond", env: ["VEZA_MAX_REQUESTS_PER_SECOND"] },
];

const DEFAULTS = { maxConcurrency: 8, requestTimeoutMs: 30_000, maxRetries: 6, retryDeadlineMs: 120_000, adaptivePacing: true, maxRequestsPerSecond: 0 };

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

function programConfig(): Record<string, string> {
  const raw = process.env.PULUMI_CONFIG;
  if (!raw) return {};
  try {
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === "string")) as Record<string, string>;
  } catch {
    return {};
  }
}

function lookup(spec: SettingSpec, fromProgram: Record<string, string>): string | undefined {
  const candidates = [providerConfig[spec.config], fromProgram[spec.config], ...spec.env.map((e) => process.env[e])];
  return candidates.find((v) => v !== undefined && v !== "");
}

function describe(spec: SettingSpec): string {
  return `config "${spec.config}" or environment variable ${spec.env.join(" / ")}`;
}

/** Resolves every setting now. A missing URL or token fails naming both the config key and the env variable. */
export function resolveSettings(overrides: SettingOverrides = {}): Settings {
  const fromProgram = programConfig();
  const out: Record<string, string | number | boolean> = {};
  const missing: string[] = [];
  for (const spec of SPECS) {
    const given = overrides[spec.key];
    const raw = given !== undefined ? String(given) : lookup(spec, fromProgram);
    if (spec.key === "url" || spec.key === "token") {
      if (!raw) missing.push(`${spec.key === "url" ? "Veza URL" : "Veza API token"}: set ${describe(spec)}`);
      else out[spec.key] = spec.key === "url" ? raw.replace(/\/+$/, "") : raw;
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
  return out as unknown as Settings;
}
