/** Errors raised by the Veza client. The API token never appears in any of them. */

export interface ApiErrorDetails {
  method: string;
  /** The endpoint's path template, e.g. `access_profiles/{id}` (ids are not part of it). */
  path: string;
  /** HTTP status, or 0 when no response arrived (network failure, timeout). */
  status: number;
  /** The server's error code (gRPC-gateway style), when it sent one. */
  serverCode?: number | string;
  serverMessage: string;
  requestId?: string;
  /** The concrete path that was requested (ids included; never the query string). */
  url?: string;
  attempts?: number;
  /** What failed underneath (a network error: its code and redacted message). */
  cause?: unknown;
}

/** An API call failed. `status` 0 means no HTTP response was received. */
export class VezaApiError extends Error implements ApiErrorDetails {
  readonly code = "VEZA_API_ERROR";
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly serverCode?: number | string;
  readonly serverMessage: string;
  readonly requestId?: string;
  readonly url?: string;
  readonly attempts?: number;

  constructor(d: ApiErrorDetails) {
    super(formatMessage(d, PROVIDER_HINTS), d.cause === undefined ? undefined : { cause: d.cause });
    this.name = "VezaApiError";
    this.method = d.method;
    this.path = d.path;
    this.status = d.status;
    this.serverCode = d.serverCode;
    this.serverMessage = d.serverMessage;
    this.requestId = d.requestId;
    this.url = d.url;
    this.attempts = d.attempts;
  }
}

/** What to do about a status, for whoever reads the message: a stack's provider or a standalone command. */
type Hints = Partial<Record<number, string>>;

/** In a Pulumi stack: settings come from stack config or the environment, and refresh/destroy use the config saved in state. */
const PROVIDER_HINTS: Hints = {
  401: "The Veza API token is invalid or expired: set a valid token in veza:apiToken (pulumi config set --secret veza:apiToken ...) or VEZA_API_TOKEN. pulumi refresh and destroy use the config saved at the last pulumi up; a different VEZA_API_TOKEN in the environment is tried after a 401.",
  403: "The Veza API token lacks permission for this call.",
  429: "Rate limited by Veza after all retries; lower veza:maxConcurrency or raise veza:maxRetries.",
};

/** A standalone command (`pulumi-veza export`) reads no stack config: its settings are environment variables only. */
const STANDALONE_HINTS: Hints = {
  401: "The Veza API token in VEZA_API_TOKEN (or VEZA_TOKEN) is invalid or expired: set a valid one.",
  403: "The Veza API token in VEZA_API_TOKEN (or VEZA_TOKEN) lacks permission for this call (it needs Lifecycle Management read access).",
  429: "Rate limited by Veza after all retries; lower VEZA_MAX_CONCURRENCY or raise VEZA_MAX_RETRIES.",
};

function formatMessage(d: ApiErrorDetails, hints: Hints): string {
  const where = `${d.method} ${d.url ?? d.path}`;
  const tail = [d.serverCode !== undefined ? `code ${d.serverCode}` : "", d.requestId ? `request id ${d.requestId}` : ""]
    .filter(Boolean)
    .join(", ");
  const hint = hints[d.status] ? ` ${hints[d.status]}` : "";
  const status = d.status === 0 ? "no response" : `HTTP ${d.status}`;
  return `Veza API ${where} failed (${status}): ${d.serverMessage}${tail ? ` (${tail})` : ""}.${hint}`;
}

/** The error's message with the hints of a standalone command (environment variables, no stack config). */
export function standaloneMessage(e: VezaApiError): string {
  return formatMessage(e, STANDALONE_HINTS);
}

/** Error codes of an attempt that got no answer in time (undici's per-attempt headers and body timeouts). */
export const NO_ANSWER_CODES: ReadonlySet<string> = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

/**
 * A call whose attempts got no answer: names the URL (origin and path, never the query), the
 * attempt that ended it, the per-attempt deadline and the setting that sets it.
 */
export function noAnswerMessage(d: { method: string; url: string; attempts?: number; timeoutMs: number; timeoutSetting: string; retryDeadlineMs: number; retrySettings: string }): string {
  const attempt = d.attempts ? `attempt ${d.attempts}` : "the last attempt";
  return (
    `Veza API ${d.method} ${d.url}: no answer within ${d.timeoutMs} ms (${d.timeoutSetting}) on ${attempt}; ` +
    `gave up there (retries bounded by ${d.retrySettings}: ${d.retryDeadlineMs} ms in all). ` +
    `The server accepted the connection and sent nothing: check the URL, and any proxy or firewall between here and the tenant.`
  );
}

/**
 * Secrets shorter than this are not searched for in text to redact: replacing every "a" or "ab" of a
 * message would destroy it, and a credential that short protects nothing anyway.
 */
export const SHORTEST_REDACTED_SECRET = 4;

/** Removes every occurrence of the secret from a string (defence in depth for messages built from server text). */
export function redact(text: string, secret: string | undefined): string {
  if (!secret || secret.length < SHORTEST_REDACTED_SECRET) return text;
  return text.split(secret).join("[redacted]");
}
