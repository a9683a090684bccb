/** `pulumi-veza export`: read a tenant and write a program that declares it (TypeScript, or YAML on the `veza` plugin). */
import { VezaApi } from "../client/api";
import { VezaClient, type ClientEvent, type VezaClientOptions } from "../client/client";
import { NO_ANSWER_CODES, noAnswerMessage } from "../client/messages";
import { standaloneMessage, VezaApiError, VezaConfigError } from "../errors";
import { errorCode } from "../client/retry";
import { environmentVariables, type Settings } from "../config";
import { generateProgram, type GenerateOptions } from "./generate";
import { readTenant, type Tenant } from "./read";
import { checkProjectName } from "./project";

export { ExportError } from "../errors";
export {
  generateProgram,
  programModel,
  typescriptProgram,
  type GenerateOptions,
  type ProgramLanguage,
  type ProgramModel,
} from "./generate";
export { yamlProgram, yamlString } from "./yaml";
export { readTenant, type Tenant, type TenantProfile, type ReadOptions } from "./read";

export interface ExportOptions extends GenerateOptions {
  /** Connection overrides; default: the environment (VEZA_URL, VEZA_API_TOKEN / VEZA_TOKEN), as for the provider. */
  connection?: VezaClientOptions;
  /** An API to use instead of one built from `connection` (tests). */
  api?: VezaApi;
  /** Progress lines, from before the first request on ("listed 200 access profiles…"), for stderr. */
  onProgress?: (line: string) => void;
  /**
   * Messages for a standalone command: settings are named by their environment variables only (a
   * command outside a Pulumi program reads no stack config). Default false: the provider's messages.
   */
  standalone?: boolean;
}

/** Reads the tenant and returns the program's text (and the tenant it was made from). */
export async function exportTenant(opts: ExportOptions = {}): Promise<{ program: string; tenant: Tenant }> {
  const progress = opts.onProgress ?? (() => undefined);
  // a name the program could not carry fails before anything is read
  if (opts.project !== undefined) checkProjectName(opts.project);
  const timeouts = new NoAnswerCount();
  const api =
    opts.api ??
    new VezaApi(
      new VezaClient({
        ...opts.connection,
        // a standalone command reads no stack config, and its messages name environment variables only
        ...(opts.standalone ? { environmentOnly: true } : {}),
        onEvent: (e) => {
          opts.connection?.onEvent?.(e);
          const attempts = timeouts.note(e);
          // a tenant that accepts connections and never answers is not silent: each attempt that timed out is a line
          if (attempts)
            progress(
              `no answer to ${e.method} ${e.path} within ${api.client.settings.requestTimeoutMs} ms (attempt ${attempts}); trying again…`,
            );
        },
      }),
    );
  let settings: Settings;
  try {
    settings = api.client.settings;
  } catch (e) {
    throw opts.standalone && VezaConfigError.isInstance(e) ? standaloneSettingsError(e, opts.connection) : e;
  }
  progress(`reading ${safeOrigin(settings.url) ?? "the tenant"}`);
  try {
    const tenant = await readTenant(api, { onProgress: progress });
    const source = opts.source ?? safeOrigin(settings.url);
    return { program: generateProgram(tenant, { ...opts, source }), tenant };
  } catch (e) {
    if (!VezaApiError.isInstance(e)) throw e;
    if (e.status === 0 && NO_ANSWER_CODES.has(errorCode(e.cause))) {
      e.message = noAnswerMessage({
        method: e.method,
        url: `${safeOrigin(settings.url) ?? ""}${e.url ?? e.path}`,
        attempts: e.attempts ?? timeouts.of(e.method, e.path),
        timeoutMs: settings.requestTimeoutMs,
        timeoutSetting: setting("requestTimeoutMs", opts.standalone),
        retryDeadlineMs: settings.retryDeadlineMs,
        retrySettings: `${setting("maxRetries", opts.standalone)} and ${setting("retryDeadlineMs", opts.standalone)}`,
      });
    } else if (opts.standalone) e.message = standaloneMessage(e);
    throw e;
  }
}

/**
 * Attempts that got no answer, per call route (`GET access_profiles_types`), from the client's retry
 * events (each failed attempt emits one, the last included). Calls of one route that hang together
 * count together: the number is the highest attempt seen, which is what the one that gives up reached.
 */
class NoAnswerCount {
  private readonly byRoute = new Map<string, number>();

  /** Records a retry event; returns the attempt number when it was an attempt that got no answer. */
  note(e: ClientEvent): number | undefined {
    if (e.kind !== "retry" || !e.reason || !NO_ANSWER_CODES.has(e.reason)) return undefined;
    const key = `${e.method} ${e.path}`;
    const attempt = Math.max(this.byRoute.get(key) ?? 0, e.attempt + 1);
    this.byRoute.set(key, attempt);
    return attempt;
  }

  of(method: string, path: string): number | undefined {
    return this.byRoute.get(`${method} ${path}`);
  }
}

/** A setting as the reader can set it: the environment variable (standalone) or config key and variable (in a stack). */
function setting(key: "requestTimeoutMs" | "maxRetries" | "retryDeadlineMs", standalone: boolean | undefined): string {
  const variables = environmentVariables(key).join(" / ");
  return standalone ? variables : `veza:${key} / ${variables}`;
}

/** Missing connection settings, named as the environment variables a standalone command reads. */
function standaloneSettingsError(e: VezaConfigError, given: VezaClientOptions | undefined): VezaConfigError {
  const missing: string[] = [];
  const unset = (key: "url" | "token") => !environmentVariables(key).some((v) => process.env[v]);
  if (!given?.url && unset("url")) missing.push(`${environmentVariables("url").join(" / ")} (the tenant, e.g. https://acme.vezacloud.com)`);
  if (!given?.token && unset("token")) missing.push(`${environmentVariables("token").join(" or ")} (an API token)`);
  if (missing.length === 0) return e; // a malformed value: the message names the variable already
  return new VezaConfigError(`Missing Veza connection settings: set ${missing.join(" and ")} in the environment of this command.`);
}

/** The tenant's origin only (no path, query or credentials) for the header comment and messages. */
function safeOrigin(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
