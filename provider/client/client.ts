/**
 * VezaClient: undici keep-alive pool, bearer auth, JSON, retries, the per-process concurrency
 * cap and the pagination iterator. Every path comes from the endpoint table.
 */
import { createHash } from "node:crypto";
import { resolveSettings, VezaConfigError, type SettingOverrides, type Settings, type StackConfig } from "../config";
import { ENDPOINTS, LIST_PAGE_SIZE, PAGING_KEYS, renderPath, routeName, type EndpointName, type HttpMethod } from "./endpoints";
import { VezaApiError, redact } from "./errors";
import { wrappedArray } from "./normalize";
import { Limiter, processLimiter, rateLimitFeedback, type Feedback } from "./limiter";
import { pulumiWarn, RequestLog } from "./log";
import { closeAllTransports, describeNetworkError, transportFor, userAgent, type Transport } from "./transport";
import { backoffDelay, errorCode, networkVerdict, parseRetryAfter, RETRYABLE_STATUSES, retryableStatus } from "./retry";

export interface VezaClientOptions extends SettingOverrides {
  /** The stack's config as the provider's `configure` received it (`veza:url`, ...), below explicit settings. */
  stackConfig?: StackConfig;
  /** Source of randomness for backoff jitter (tests). */
  random?: () => number;
  /** Base of the exponential backoff in ms (default 100). */
  backoffBaseMs?: number;
  /** Called for every retry and recovery, for logs and tests. Never receives the token. */
  onEvent?: (e: ClientEvent) => void;
}

export interface ClientEvent {
  kind: "retry" | "ambiguous" | "recovered";
  method: HttpMethod;
  path: string;
  attempt: number;
  status?: number;
  waitMs?: number;
  reason?: string;
}

export interface CallOptions {
  params?: Record<string, string | number>;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /**
   * For POSTs: after an ambiguous failure (sent, no answer) or a 409 following one, look the
   * object up; a found object is returned instead of creating a duplicate.
   */
  recover?: () => Promise<unknown | undefined>;
}

/**
 * Credentials the server rejected (401) in this process, by origin and token digest: later calls with
 * them fail at once with the same error instead of each sending a request that will be refused.
 */
const rejected = new Map<string, VezaApiError>();
const credentialKey = (s: Settings, token: string) => `${new URL(s.url).origin} ${createHash("sha256").update(token).digest("hex")}`;

/**
 * Token rotation: config token (by credential key) -> the environment token this process uses instead,
 * after the server refused the config token with 401 (see `Settings.fallbackToken`).
 */
const replaced = new Map<string, string>();

/** The token to send: the configured one, unless it was refused and replaced by the environment's. */
function currentToken(s: Settings): string {
  return replaced.get(credentialKey(s, s.token)) ?? s.token;
}

/**
 * After a 401 for `used`: switch to the environment token if there is a different one not refused
 * yet (warns once per process, naming the variable, never a token). True: send the request again.
 */
function switchToFallback(s: Settings, used: string): boolean {
  const fb = s.fallbackToken;
  if (!fb || fb.value === used || used !== s.token) return false;
  if (rejected.has(credentialKey(s, fb.value))) return false;
  const key = credentialKey(s, s.token);
  if (!replaced.has(key)) {
    replaced.set(key, fb.value);
    warn(`the token from stack config was refused (401); using ${fb.variable} from the environment for the rest of this run`);
  }
  return true;
}

function warn(message: string): void {
  pulumiWarn(`pulumi-veza: ${message}`);
}

/** Closes every pooled connection of this process (tests, CLI exit). */
export async function closeAllPools(): Promise<void> {
  await closeAllTransports();
}


export class VezaClient {
  private settingsCache?: Settings;
  private limiterCache?: Limiter;
  private logCache?: RequestLog;

  constructor(private readonly options: VezaClientOptions = {}) {}

  /** Resolved on first use, so a missing setting fails the first call that needs the API. */
  get settings(): Settings {
    if (!this.settingsCache) this.settingsCache = resolveSettings(this.options, this.options.stackConfig);
    return this.settingsCache;
  }

  /** The request log (veza:logLevel / VEZA_LOG), on the provider's stderr. */
  private get log(): RequestLog {
    if (!this.logCache) {
      this.logCache = new RequestLog(this.settings.logLevel, undefined, [this.settings.token, this.settings.fallbackToken?.value].filter((t): t is string => !!t));
      if (this.settings.allowInsecureHttp && this.settings.url.startsWith("http://")) {
        this.logCache.notice(`veza:allowInsecureHttp is true: the API token is sent in clear text to ${new URL(this.settings.url).host}`);
      }
    }
    return this.logCache;
  }

  private get limiter(): Limiter {
    if (!this.limiterCache) {
      const s = this.settings;
      this.limiterCache = processLimiter(s.maxConcurrency, { adaptive: s.adaptivePacing, maxRate: s.maxRequestsPerSecond });
    }
    return this.limiterCache;
  }

  /** One API call with retries; resolves to the parsed JSON body (or `{}` for an empty body). */
  async call<T = any>(name: EndpointName, opts: CallOptions = {}): Promise<T> {
    const ep = ENDPOINTS[name];
    const s = this.settings;
    const path = renderPath(ep.path, opts.params);
    const search = queryString(opts.query);
    const started = Date.now();
    let ambiguousBefore = false;
    let lastError: VezaApiError | undefined;
    let previous: Outcome | undefined;
    let lastStatus: number | undefined;
    let switchedToken = false;
    for (let attempt = 0; attempt <= s.maxRetries; attempt++) {
      let waitMs = 0;
      const token = currentToken(s);
      // the limiter learns the tenant's pace from each answer; a retry of a 429 waits for its shared gate
      const outcome = await this.limiter.run(() => this.once(ep.method, ep.path, path + search, opts.body, token), feedbackOf, { retry: lastStatus === 429 });
      lastStatus = outcome.kind === "status" ? outcome.error.status : undefined;
      this.logAttempt(ep.method, ep.path, path, attempt, outcome, previous);
      previous = outcome;
      if (outcome.kind === "ok") return outcome.body as T;
      if (outcome.kind === "status") {
        const err = outcome.error;
        // a refused config token: once per call, again at once with the environment's token
        if (err.status === 401 && !switchedToken && switchToFallback(s, token)) {
          switchedToken = true;
          attempt--;
          continue;
        }
        if (err.status === 409 && ambiguousBefore && opts.recover) {
          const found = await this.recover(ep.method, ep.path, attempt, opts.recover);
          if (found !== undefined) return found as T;
        }
        if (!retryableStatus(ep.method, err.status)) {
          // A POST answered 5xx may still have been committed: look it up by name before trying again.
          if (!(ep.method === "POST" && RETRYABLE_STATUSES.has(err.status) && opts.recover)) throw err;
          ambiguousBefore = true;
          const found = await this.recover(ep.method, ep.path, attempt, opts.recover);
          if (found !== undefined) return found as T;
        }
        lastError = err;
        waitMs = outcome.retryAfterMs ?? backoffDelay(attempt, { baseMs: this.options.backoffBaseMs, random: this.options.random });
        this.emit({ kind: "retry", method: ep.method, path: ep.path, attempt, status: err.status, waitMs });
      } else {
        if (outcome.fatal) throw outcome.error; // retrying cannot help: untrusted certificate, proxy wants credentials
        const verdict = networkVerdict(ep.method, outcome.cause);
        lastError = outcome.error;
        if (verdict === "ambiguous") {
          this.emit({ kind: "ambiguous", method: ep.method, path: ep.path, attempt, reason: errorCode(outcome.cause) });
          if (!opts.recover) throw outcome.error;
          ambiguousBefore = true;
          const found = await this.recover(ep.method, ep.path, attempt, opts.recover);
          if (found !== undefined) return found as T;
        }
        waitMs = backoffDelay(attempt, { baseMs: this.options.backoffBaseMs, random: this.options.random });
        this.emit({ kind: "retry", method: ep.method, path: ep.path, attempt, waitMs, reason: errorCode(outcome.cause) });
      }
      if (attempt === s.maxRetries) break;
      if (Date.now() - started + waitMs > s.retryDeadlineMs) break;
      await this.limiter.backoff(waitMs, lastStatus);
    }
    throw lastError ?? new Error(`Veza API ${ep.method} ${ep.path}: no attempt made`);
  }

  /** Every item of a paged list: LIST_PAGE_SIZE a page, follows `has_more` through empty pages, encodes the token. */
  async *paginate<T = unknown>(name: EndpointName, opts: CallOptions = {}): AsyncGenerator<T> {
    let token: string | undefined;
    const seen = new Set<string>();
    for (let page = 0; page < 100_000; page++) {
      const body = await this.call<any>(name, { ...opts, query: { ...opts.query, page_size: LIST_PAGE_SIZE, page_token: token || undefined } });
      for (const item of wrappedArray(routeName(name), body, "values", PAGING_KEYS)) yield item as T;
      const next = typeof body?.next_page_token === "string" ? body.next_page_token : "";
      if (body?.has_more !== true) return;
      if (!next || seen.has(next)) {
        throw new Error(`Veza API ${ENDPOINTS[name].method} ${ENDPOINTS[name].path}: has_more is true but the page token ${next ? "repeats" : "is empty"}`);
      }
      seen.add(next);
      token = next;
    }
  }

  private async recover(method: HttpMethod, path: string, attempt: number, fn: () => Promise<unknown>): Promise<unknown> {
    const found = await fn();
    if (found !== undefined) this.emit({ kind: "recovered", method, path, attempt });
    return found;
  }

  private emit(e: ClientEvent): void {
    this.log.event(e);
    this.options.onEvent?.(e);
  }

  private logAttempt(method: HttpMethod, template: string, path: string, attempt: number, o: Outcome, previous: Outcome | undefined): void {
    if (!this.log.debug) return;
    const why = (p: Outcome): string => (p.kind === "status" ? `HTTP ${p.error.status}` : p.kind === "network" ? errorCode(p.cause) || "network error" : "");
    this.log.attempt({
      method,
      template,
      path,
      attempt: attempt + 1,
      status: o.kind === "ok" ? o.status : o.kind === "status" && o.ms !== undefined ? o.error.status : undefined,
      notSent: o.kind === "status" && o.ms === undefined,
      errorCode: o.kind === "network" ? errorCode(o.cause) : undefined,
      ms: o.ms,
      requestId: o.kind === "ok" ? o.requestId : o.kind === "status" ? o.error.requestId : undefined,
      retryOf: previous ? why(previous) : undefined,
    });
  }

  private async once(method: HttpMethod, template: string, pathAndQuery: string, body: unknown, token: string): Promise<Outcome> {
    const s = this.settings;
    const shownPath = pathAndQuery.split("?")[0];
    // checked in the request slot, so calls queued behind the one that got the 401 send nothing
    const refused = rejected.get(credentialKey(s, token));
    if (refused) {
      const serverMessage = `${refused.serverMessage} (not sent: this token was already refused in this run)`;
      return { kind: "status", error: new VezaApiError({ method, path: template, url: shownPath, status: 401, serverCode: refused.serverCode, serverMessage }) };
    }
    const url = new URL(s.url);
    const basePath = url.pathname.replace(/\/+$/, "");
    let transport: Transport | undefined;
    const sentAt = Date.now();
    try {
      transport = transportFor(s);
      const res = await transport.dispatcher.request({
        origin: url.origin,
        method,
        path: basePath + pathAndQuery,
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/json",
          "user-agent": userAgent(),
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        headersTimeout: s.requestTimeoutMs,
        bodyTimeout: s.requestTimeoutMs,
      });
      const text = await res.body.text();
      const requestId = headerValue(res.headers["x-request-id"]);
      const ms = Date.now() - sentAt;
      if (res.statusCode >= 200 && res.statusCode < 300) {
        return { kind: "ok", body: text ? safeJson(text) ?? {} : {}, status: res.statusCode, ms, requestId, feedback: { status: res.statusCode, ...rateLimitFeedback(res.headers) } };
      }
      const parsed = safeJson(text);
      // redact the whole text first, then shorten: a cut token would no longer match
      const message = redactTokens(
        (parsed && typeof parsed.message === "string" && parsed.message) || text.trim() || `HTTP ${res.statusCode}`,
        s,
      ).slice(0, 500);
      const error = new VezaApiError({
        method,
        path: template,
        url: shownPath,
        status: res.statusCode,
        serverCode: parsed?.code,
        serverMessage: message,
        requestId: (parsed && typeof parsed.request_id === "string" && parsed.request_id) || requestId,
      });
      if (res.statusCode === 401) rejected.set(credentialKey(s, token), error);
      const retryAfterMs = parseRetryAfter(headerValue(res.headers["retry-after"]));
      return { kind: "status", error, retryAfterMs, ms, feedback: { status: res.statusCode, retryAfterMs, ...rateLimitFeedback(res.headers) } };
    } catch (cause) {
      if (cause instanceof VezaConfigError) throw cause; // a malformed proxy variable: no request was made
      const code = errorCode(cause);
      const problem = describeNetworkError(cause, s, transport, code);
      // the cause is a copy (message with tokens redacted, code): the original may hold sockets and options
      let text = redactTokens(String((cause as Error)?.message ?? cause), s);
      for (const secret of transport?.proxy?.secrets ?? []) text = redact(text, secret);
      const copy = Object.assign(new Error(text), { code });
      const error = new VezaApiError({ method, path: template, url: shownPath, status: 0, serverMessage: redactTokens(problem.message, s), cause: copy });
      return { kind: "network", error, cause, fatal: problem.fatal, ms: Date.now() - sentAt };
    }
  }
}

/** `ms`: time of the attempt; absent on a "status" outcome means nothing was sent (token already refused). */
type Outcome =
  | { kind: "ok"; body: any; status?: number; ms?: number; requestId?: string; feedback?: Feedback }
  | { kind: "status"; error: VezaApiError; retryAfterMs?: number; ms?: number; feedback?: Feedback }
  | { kind: "network"; error: VezaApiError; cause: unknown; fatal?: boolean; ms?: number };

/** What an attempt told the limiter about the tenant's limit (a refused token is no answer from the tenant). */
const feedbackOf = (o: Outcome): Feedback | undefined => (o.kind === "network" ? { status: 0 } : o.feedback);

/** Both tokens this client may send (the configured one and the environment's fallback) redacted. */
function redactTokens(text: string, s: Settings): string {
  return redact(redact(text, s.token), s.fallbackToken?.value);
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function safeJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function queryString(q: CallOptions["query"]): string {
  if (!q) return "";
  const parts = Object.entries(q)
    .filter(([, v]) => v !== undefined && v !== "")
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join("&")}` : "";
}
