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
    super(formatMessage(d), d.cause === undefined ? undefined : { cause: d.cause });
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

function formatMessage(d: ApiErrorDetails): string {
  const where = `${d.method} ${d.url ?? d.path}`;
  const tail = [d.serverCode !== undefined ? `code ${d.serverCode}` : "", d.requestId ? `request id ${d.requestId}` : ""]
    .filter(Boolean)
    .join(", ");
  let hint = "";
  if (d.status === 401) hint = " The Veza API token is invalid or expired: set a valid token in veza:apiToken (pulumi config set --secret veza:apiToken ...) or VEZA_API_TOKEN. pulumi refresh and destroy use the config saved at the last pulumi up; a different VEZA_API_TOKEN in the environment is tried after a 401.";
  if (d.status === 403) hint = " The Veza API token lacks permission for this call.";
  if (d.status === 429) hint = " Rate limited by Veza after all retries; lower veza:maxConcurrency or raise veza:maxRetries.";
  const status = d.status === 0 ? "no response" : `HTTP ${d.status}`;
  return `Veza API ${where} failed (${status}): ${d.serverMessage}${tail ? ` (${tail})` : ""}.${hint}`;
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
