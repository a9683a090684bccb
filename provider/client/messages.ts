/**
 * What the client's errors say, and the redaction that keeps the API token out of them. The errors
 * themselves are in provider/errors.ts.
 */

/** Error codes of an attempt that got no answer in time (undici's per-attempt headers and body timeouts). */
export const NO_ANSWER_CODES: ReadonlySet<string> = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

/**
 * A call whose attempts got no answer: names the URL (origin and path, never the query), the
 * attempt that ended it, the per-attempt deadline and the setting that sets it.
 */
export function noAnswerMessage(d: {
  method: string;
  url: string;
  attempts?: number;
  timeoutMs: number;
  timeoutSetting: string;
  retryDeadlineMs: number;
  retrySettings: string;
}): string {
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
