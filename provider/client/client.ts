/**
 * VezaClient: undici keep-alive pool, bearer auth, JSON, retries (each attempt through the tenant's
 * pacer, ./limiter.ts; what follows an attempt decided by ./decide.ts) and the pagination iterator.
 * Every path comes from the endpoint table.
 */
import { resolveSettings, type SettingOverrides, type SettingSources, type Settings, type StackConfig } from "../config";
import { VezaApiError, VezaConfigError } from "../errors";
import { ENDPOINTS, LIST_PAGE_SIZE, renderPath, routeName, type EndpointName, type HttpMethod } from "./endpoints";
import { redact } from "./messages";
import { Credentials } from "./credentials";
import { decide, type AttemptResult, type Step } from "./decide";
import { type Pacer, processPacers, rateLimitFeedback, type Feedback, type Pacers } from "./limiter";
import { RequestLog } from "./log";
import { pageFromBody, pages } from "./paging";
import { closeAllTransports, describeNetworkError, transportFor, userAgent, type Transport } from "./transport";
import { backoffDelay, errorCode, parseRetryAfter } from "./retry";

export interface VezaClientOptions extends SettingOverrides, SettingSources {
  /** The stack's config as the provider's `configure` received it (`veza:url`, ...), below explicit settings. */
  stackConfig?: StackConfig;
  /** Source of randomness for backoff jitter (tests). */
  random?: () => number;
  /** Base of the exponential backoff in ms (default `DEFAULT_BACKOFF.baseMs`, ./tuning.ts; tests make it short). */
  backoffBaseMs?: number;
  /** Called for every retry and recovery, for logs and tests. Never receives the token. */
  onEvent?: (e: ClientEvent) => void;
  /** What this process learnt about its tokens (the provider context's; default: this client's own). */
  credentials?: Credentials;
  /** The pacing controllers to take this tenant's from (the provider context's; default: the process's). */
  pacers?: Pacers;
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

/** Closes every pooled connection of this process (tests, CLI exit). */
export async function closeAllPools(): Promise<void> {
  await closeAllTransports();
}

export class VezaClient {
  private settingsCache?: Settings;
  private pacerCache?: Pacer;
  private logCache?: RequestLog;
  private readonly credentials: Credentials;

  constructor(private readonly options: VezaClientOptions = {}) {
    this.credentials = options.credentials ?? new Credentials();
  }

  /** Resolved on first use, so a missing setting fails the first call that needs the API. */
  get settings(): Settings {
    if (!this.settingsCache) this.settingsCache = resolveSettings(this.options, this.options.stackConfig, process.env, this.options);
    return this.settingsCache;
  }

  /** The request log (veza:logLevel / VEZA_LOG), on the provider's stderr. */
  private get log(): RequestLog {
    if (!this.logCache) {
      this.logCache = new RequestLog(
        this.settings.logLevel,
        undefined,
        [this.settings.token, this.settings.fallbackToken?.value].filter((t): t is string => !!t),
      );
      if (this.settings.allowInsecureHttp && this.settings.url.startsWith("http://")) {
        this.logCache.notice(`veza:allowInsecureHttp is true: the API token is sent in clear text to ${new URL(this.settings.url).host}`);
      }
    }
    return this.logCache;
  }

  /** The tenant's pacing controller (shared with every client of the same tenant and settings). */
  get pacer(): Pacer {
    if (!this.pacerCache) {
      const s = this.settings;
      this.pacerCache = (this.options.pacers ?? processPacers).for(new URL(s.url).origin, {
        maxConcurrency: s.maxConcurrency,
        adaptive: s.adaptivePacing,
        maxRate: s.maxRequestsPerSecond,
      });
    }
    return this.pacerCache;
  }

  /**
   * One API call with retries; resolves to the parsed JSON body (or `{}` for an empty body). Each
   * attempt goes through the pacer; what follows it is `decide`'s (./decide.ts).
   */
  async call<T = any>(name: EndpointName, opts: CallOptions = {}): Promise<T> {
    const ep = ENDPOINTS[name];
    const s = this.settings;
    const target = renderPath(ep.path, opts.params) + queryString(opts.query);
    const started = Date.now();
    let ambiguousBefore = false;
    let switchedToken = false;
    let previous: Outcome | undefined;
    for (let attempt = 0; ; ) {
      const token = this.credentials.current(s);
      // a retry of a 429 waits for the pacer's shared gate
      const retryOf429 = previous?.kind === "status" && previous.error.status === 429;
      const outcome = await this.pacer.run(() => this.once(ep.method, ep.path, target, opts.body, token), feedbackOf, {
        retry: retryOf429,
      });
      this.logAttempt(ep.method, ep.path, target.split("?")[0], attempt, outcome, previous);
      previous = outcome;
      if (outcome.kind === "ok") return outcome.body as T;
      const result: AttemptResult =
        outcome.kind === "status"
          ? { kind: "status", status: outcome.error.status, retryAfterMs: outcome.retryAfterMs }
          : { kind: "network", cause: outcome.cause, fatal: outcome.fatal };
      const decision = decide(result, {
        method: ep.method,
        attempt,
        maxRetries: s.maxRetries,
        elapsedMs: Date.now() - started,
        deadlineMs: s.retryDeadlineMs,
        backoffMs: backoffDelay(attempt, { baseMs: this.options.backoffBaseMs, random: this.options.random }),
        canRecover: !!opts.recover,
        ambiguousBefore,
        canSwitchToken: !switchedToken && result.kind === "status" && result.status === 401 && this.credentials.canFallBack(s, token),
      });
      const reason = outcome.kind === "network" ? errorCode(outcome.cause) : undefined;
      if ((decision.do === "recover" || decision.do === "throw") && decision.ambiguous && outcome.kind === "network")
        this.emit({ kind: "ambiguous", method: ep.method, path: ep.path, attempt, reason });
      let d: Step;
      if (decision.do === "recover") {
        ambiguousBefore ||= decision.ambiguous;
        const found = await opts.recover!();
        if (found !== undefined) {
          this.emit({ kind: "recovered", method: ep.method, path: ep.path, attempt });
          return found as T;
        }
        d = decision.orElse;
      } else d = decision;
      const status = outcome.kind === "status" ? outcome.error.status : undefined;
      // every attempt that failed in a retryable way is a "retry" event, the one that gives up included (the export counts them)
      if (d.do === "throw" && d.gaveUpAfterMs !== undefined)
        this.emit({ kind: "retry", method: ep.method, path: ep.path, attempt, status, waitMs: d.gaveUpAfterMs, reason });
      if (d.do === "throw" || d.do === "return") throw outcome.error;
      if (d.switchToken) {
        switchedToken = true;
        this.credentials.fallBack(s);
        continue;
      }
      this.emit({ kind: "retry", method: ep.method, path: ep.path, attempt, status, waitMs: d.afterMs, reason });
      await this.pacer.backoff(d.afterMs, status);
      attempt++;
    }
  }

  /** Every item of a paged list: LIST_PAGE_SIZE a page, through empty pages, the token rule of ./paging.ts. */
  async *paginate<T = unknown>(name: EndpointName, opts: CallOptions = {}): AsyncGenerator<T> {
    const ep = ENDPOINTS[name];
    const fetchPage = async (token: string | undefined) =>
      pageFromBody(
        routeName(name),
        await this.call(name, { ...opts, query: { ...opts.query, page_size: LIST_PAGE_SIZE, page_token: token || undefined } }),
      );
    for await (const page of pages(`${ep.method} ${ep.path}`, fetchPage)) yield* page.items as T[];
  }

  private emit(e: ClientEvent): void {
    this.log.event(e);
    this.options.onEvent?.(e);
  }

  private logAttempt(method: HttpMethod, template: string, path: string, attempt: number, o: Outcome, previous: Outcome | undefined): void {
    if (!this.log.debug) return;
    const why = (p: Outcome): string =>
      p.kind === "status" ? `HTTP ${p.error.status}` : p.kind === "network" ? errorCode(p.cause) || "network error" : "";
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
    const refused = this.credentials.refusal(s, token);
    if (refused) {
      const serverMessage = `${refused.serverMessage} (not sent: this token was already refused in this run)`;
      return {
        kind: "status",
        error: new VezaApiError({ method, path: template, url: shownPath, status: 401, serverCode: refused.serverCode, serverMessage }),
      };
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
        return {
          kind: "ok",
          body: text ? (safeJson(text) ?? {}) : {},
          status: res.statusCode,
          ms,
          requestId,
          feedback: { status: res.statusCode, ...rateLimitFeedback(res.headers) },
        };
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
      if (res.statusCode === 401) this.credentials.refuse(s, token, error);
      const retryAfterMs = parseRetryAfter(headerValue(res.headers["retry-after"]));
      return {
        kind: "status",
        error,
        retryAfterMs,
        ms,
        feedback: { status: res.statusCode, retryAfterMs, ...rateLimitFeedback(res.headers) },
      };
    } catch (cause) {
      if (VezaConfigError.isInstance(cause)) throw cause; // a malformed proxy variable: no request was made
      const code = errorCode(cause);
      const problem = describeNetworkError(cause, s, transport, code);
      // the cause is a copy (message with tokens redacted, code): the original may hold sockets and options
      let text = redactTokens(String((cause as Error)?.message ?? cause), s);
      for (const secret of transport?.proxy?.secrets ?? []) text = redact(text, secret);
      const copy = Object.assign(new Error(text), { code });
      const error = new VezaApiError({
        method,
        path: template,
        url: shownPath,
        status: 0,
        serverMessage: redactTokens(problem.message, s),
        cause: copy,
      });
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
