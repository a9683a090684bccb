/**
 * VezaClient: undici keep-alive pool, bearer auth, JSON, retries, the per-process concurrency
 * cap and the pagination iterator. Every path comes from the endpoint table.
 */
import { createHash } from "node:crypto";
import { Pool } from "undici";
import { resolveSettings, type SettingOverrides, type Settings } from "../config";
import { ENDPOINTS, renderPath, type EndpointName, type HttpMethod } from "./endpoints";
import { VezaApiError, redact } from "./errors";
import { Limiter, processLimiter } from "./limiter";
import { backoffDelay, errorCode, networkVerdict, parseRetryAfter, RETRYABLE_STATUSES, retryableStatus, sleep } from "./retry";

export interface VezaClientOptions extends SettingOverrides {
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

/** One keep-alive pool per origin and size (a client with a larger cap gets a pool that large). */
const pools = new Map<string, Pool>();
function poolFor(origin: string, connections: number): Pool {
  const key = `${origin} ${connections}`;
  let p = pools.get(key);
  if (!p) {
    p = new Pool(origin, { connections, keepAliveTimeout: 30_000, pipelining: 1 });
    pools.set(key, p);
  }
  return p;
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
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    void (require("@pulumi/pulumi") as typeof import("@pulumi/pulumi")).log.warn(`pulumi-veza: ${message}`);
  } catch {
    process.stderr.write(`warning: pulumi-veza: ${message}\n`);
  }
}

/** Closes every pooled connection of this process (tests, CLI exit). */
export async function closeAllPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.close().catch(() => undefined)));
}

const writeListeners = new Set<() => void>();

/** Registers a callback run before and after every write (non-GET call) of this process, e.g. to drop a read cache. */
export function onWrite(listener: () => void): void {
  writeListeners.add(listener);
}

function notifyWrite(): void {
  for (const l of writeListeners) l();
}

export class VezaClient {
  private settingsCache?: Settings;
  private limiterCache?: Limiter;

  constructor(private readonly options: VezaClientOptions = {}) {}

  /** Resolved on first use, so a missing setting fails the first call that needs the API. */
  get settings(): Settings {
    if (!this.settingsCache) this.settingsCache = resolveSettings(this.options);
    return this.settingsCache;
  }

  private get limiter(): Limiter {
    if (!this.limiterCache) this.limiterCache = processLimiter(this.settings.maxConcurrency);
    return this.limiterCache;
  }

  /** One API call with retries; resolves to the parsed JSON body (or `{}` for an empty body). */
  async call<T = any>(name: EndpointName, opts: CallOptions = {}): Promise<T> {
    if (ENDPOINTS[name].method === "GET") return this.send<T>(name, opts);
    // a write makes cached reads of this process stale: tell listeners before it starts and after it ends
    notifyWrite();
    try {
      return await this.send<T>(name, opts);
    } finally {
      notifyWrite();
    }
  }

  private async send<T>(name: EndpointName, opts: CallOptions): Promise<T> {
    const ep = ENDPOINTS[name];
    const s = this.settings;
    const path = renderPath(ep.path, opts.params);
    const search = queryString(opts.query);
    const started = Date.now();
    let ambiguousBefore = false;
    let lastError: VezaApiError | undefined;
    let switchedToken = false;
    for (let attempt = 0; attempt <= s.maxRetries; attempt++) {
      let waitMs = 0;
      const token = currentToken(s);
      const outcome = await this.limiter.run(() => this.once(ep.method, ep.path, path + search, opts.body, token));
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
      await sleep(waitMs);
    }
    throw lastError ?? new Error(`Veza API ${ep.method} ${ep.path}: no attempt made`);
  }

  /** Every item of a paged list: page_size 100, follows `has_more` through empty pages, encodes the token. */
  async *paginate<T = unknown>(name: EndpointName, opts: CallOptions = {}): AsyncGenerator<T> {
    let token: string | undefined;
    const seen = new Set<string>();
    for (let page = 0; page < 100_000; page++) {
      const body = await this.call<any>(name, { ...opts, query: { ...opts.query, page_size: 100, page_token: token || undefined } });
      for (const item of Array.isArray(body?.values) ? body.values : []) yield item as T;
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
    this.options.onEvent?.(e);
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
    const pool = poolFor(url.origin, s.maxConcurrency);
    const basePath = url.pathname.replace(/\/+$/, "");
    try {
      const res = await pool.request({
        method,
        path: basePath + pathAndQuery,
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/json",
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        headersTimeout: s.requestTimeoutMs,
        bodyTimeout: s.requestTimeoutMs,
      });
      const text = await res.body.text();
      const requestId = headerValue(res.headers["x-request-id"]);
      if (res.statusCode >= 200 && res.statusCode < 300) {
        return { kind: "ok", body: text ? safeJson(text) ?? {} : {} };
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
      return { kind: "status", error, retryAfterMs: parseRetryAfter(headerValue(res.headers["retry-after"])) };
    } catch (cause) {
      const code = errorCode(cause);
      const error = new VezaApiError({
        method,
        path: template,
        url: shownPath,
        status: 0,
        serverMessage: redactTokens(`${code || "network error"}: ${(cause as Error)?.message ?? String(cause)}`, s),
      });
      return { kind: "network", error, cause };
    }
  }
}

type Outcome =
  | { kind: "ok"; body: any }
  | { kind: "status"; error: VezaApiError; retryAfterMs?: number }
  | { kind: "network"; error: VezaApiError; cause: unknown };

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
