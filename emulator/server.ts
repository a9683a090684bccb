/** The node:http server: auth, faults, latency, stats, routing, persistence. */
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { Socket } from "node:net";
import { randomBytes, randomUUID } from "node:crypto";
import { ApiError, Code } from "./errors";
import { Encoder } from "./encode";
import { decideFaults } from "./faults";
import { DEFAULT_KNOBS, knobsFromEnv, mergeKnobs, mulberry32, type EmulatorKnobs, type KnobsPatch } from "./knobs";
import { DataFile } from "./persist";
import { RateGate, rateLimitHeaders, type BucketVerdict } from "./ratelimit";
import { matchRoute } from "./routes";
import { EmulatorStore } from "./store";
import { makeTlsMaterial, type TlsOptions } from "./tls";
import type { Json, JsonObject } from "./types";

export interface EmulatorStats {
  total: number;
  /** "METHOD template", e.g. "POST access_profiles", "PATCH access_profiles/{id}/versions/{version}"; "METHOD (unmatched)" otherwise. */
  byRoute: Record<string, number>;
  /** HTTP status → responses written (destroyed and hung requests write none). */
  byStatus: Record<string, number>;
  peakInFlight: number;
  faults: { "429": number; "503": number; ambiguous: number; hang: number };
  /** Requests the `rateLimit` token bucket answered 429 (not counted in faults["429"]). */
  rateLimited: number;
}

export interface Emulator {
  /** http://127.0.0.1:<port>, or https:// with `tls` (no base path) */
  url: string;
  /** With `tls`: the PEM file of the CA that signed the server certificate (for NODE_EXTRA_CA_CERTS). */
  caFile?: string;
  /** The one bearer token accepted now. */
  readonly token: string;
  /** Token rotation: from the next request on only `token` is accepted (the old one gets 401). */
  setToken(token: string): void;
  stats(): EmulatorStats;
  resetStats(): void;
  /** Changes knobs from the next request on; deleteSupport may name only one route. */
  setKnobs(k: KnobsPatch): void;
  /** The knobs in force (a copy). */
  getKnobs(): EmulatorKnobs;
  /** Direct access to the in-memory tenant, for seeding and assertions. */
  store: EmulatorStore;
  /** Requests seen since start or the last resetStats (route key, query, parsed JSON body, User-Agent; no other header), at most 100,000. */
  requests(): LoggedRequest[];
  /** Stops the server; destroys hanging and keep-alive sockets. */
  close(): Promise<void>;
}

export interface LoggedRequest {
  method: string;
  /** "METHOD template" as in stats.byRoute. */
  route: string;
  query: Record<string, string>;
  body?: unknown;
  /** The User-Agent header as received. */
  userAgent?: string;
  /** performance.now() when the request arrived and when its response was written (absent if none was). */
  receivedAt: number;
  answeredAt?: number;
}

export interface StartOptions {
  port?: number;
  host?: string;
  token?: string;
  /** Tenant file: loaded at start, written atomically after every mutation. */
  dataFile?: string;
  knobs?: KnobsPatch;
  /** PRNG seed for fault and "mixed" encoding randomness (default 1). */
  seed?: number;
  /** Serve https with a certificate signed by a private CA made at start (see `Emulator.caFile`). */
  tls?: boolean | TlsOptions;
}

const MAX_BODY = 16 * 1024 * 1024;

/** The fields the API guide's "simplified" write responses carry, by route. */
const SIMPLIFIED: Record<string, string[]> = {
  "POST access_profiles": ["id", "name", "state", "profile_type", "current_version_number", "integrations", "provider_ids", "labels", "created_at", "updated_at"],
  "PATCH access_profiles/{id}": ["id", "name", "state", "profile_type", "current_version", "integrations", "provider_ids", "labels", "created_at", "updated_at"],
  "POST access_profiles_types": ["id", "name", "description", "allow_inherit_entities", "allow_create_relationships", "require_single_datasource", "integrations", "profiles_count", "created_at", "updated_at"],
  "PATCH access_profiles_types/{id}": ["id", "name", "description", "allow_inherit_entities", "allow_create_relationships", "require_single_datasource", "integrations", "profiles_count", "created_at", "updated_at"],
};

function simplified(route: string, body: Json): Json {
  const value = (body as { value?: Record<string, Json> } | null)?.value;
  if (!value || typeof value !== "object") return body;
  if (route === "PATCH access_profiles/{id}/versions/{version}") {
    const v = value as Record<string, Json>;
    return {
      value: {
        id: v.access_profile_id ?? v.id,
        version: v.version_number ?? v.version,
        entities_to_create_relationships_to: v.entities_to_create_relationships_to,
        inherit_entities_from_access_profiles: v.inherit_entities_from_access_profiles,
        updated_at: v.updated_at,
      },
    } as Json;
  }
  const keep = SIMPLIFIED[route];
  if (!keep) return body;
  const out: Record<string, Json> = {};
  for (const k of keep) {
    if (k === "current_version" && typeof value.current_version === "object" && value.current_version) {
      out.current_version = (value.current_version as Record<string, Json>).version_number ?? null; // a number, as in the guide's PATCH example
    } else if (value[k] !== undefined) out[k] = value[k];
  }
  return { value: out } as Json;
}

function emptyStats(): EmulatorStats {
  return { total: 0, byRoute: {}, byStatus: {}, peakInFlight: 0, faults: { "429": 0, "503": 0, ambiguous: 0, hang: 0 }, rateLimited: 0 };
}

/** The request target as a URL (origin-form `/path?query` read as a path, whatever it starts with), or undefined when it cannot be one. */
function requestUrl(target: string | undefined): URL | undefined {
  const origin = "http://emulator.invalid";
  try {
    return target?.startsWith("/") ? new URL(origin + target) : new URL(target ?? "/", origin);
  } catch {
    return undefined;
  }
}

export async function startEmulator(opts: StartOptions = {}): Promise<Emulator> {
  let token = opts.token ?? `veza-emu-${randomBytes(16).toString("hex")}`;
  const host = opts.host ?? "127.0.0.1";
  let knobs = mergeKnobs(mergeKnobs({ ...DEFAULT_KNOBS, deleteSupport: { ...DEFAULT_KNOBS.deleteSupport } }, knobsFromEnv()), opts.knobs);
  const seed = opts.seed ?? 1;
  const faultRng = mulberry32(seed);
  const encodeRng = mulberry32(seed ^ 0x9e3779b9);
  const store = new EmulatorStore();
  const dataFile = opts.dataFile ? new DataFile(opts.dataFile, store) : undefined;
  if (dataFile) {
    dataFile.open();
    store.onChange = () => dataFile.write();
  }

  let stats = emptyStats();
  let log: LoggedRequest[] = [];
  let requestCount = 0; // not reset by resetStats: drives failAfterRequests / invalidTokenAfterRequests
  let inFlight = 0;
  let listPages = 0;
  let dead = false;
  let closed = false;
  const rateGate = new RateGate();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const bump = (rec: Record<string, number>, key: string): void => {
    rec[key] = (rec[key] ?? 0) + 1;
  };

  const sleep = (ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve(!closed);
      }, ms);
      timers.add(t);
    });

  const die = (): void => {
    dead = true;
    for (const s of sockets) s.destroy();
  };

  const send = (res: http.ServerResponse, requestId: string, status: number, body: Json, headers: Record<string, string> = {}): void => {
    if (res.destroyed || res.writableEnded) return;
    const text = JSON.stringify(body);
    bump(stats.byStatus, String(status));
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(text)),
      "x-request-id": requestId,
      ...headers,
    });
    res.end(text);
  };

  const sendError = (res: http.ServerResponse, requestId: string, err: ApiError, headers?: Record<string, string>): void =>
    send(res, requestId, err.status, { code: err.code, message: err.message, request_id: requestId }, headers);

  const readBody = (req: http.IncomingMessage): Promise<Buffer | undefined> =>
    new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on("data", (c: Buffer) => {
        size += c.length;
        if (size <= MAX_BODY) chunks.push(c);
      });
      req.on("end", () => resolve(size > MAX_BODY ? undefined : Buffer.concat(chunks)));
      req.on("error", () => resolve(undefined));
      req.on("close", () => resolve(Buffer.concat(chunks)));
    });

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    const method = (req.method ?? "GET").toUpperCase();
    stats.total++;
    requestCount++;
    inFlight++;
    stats.peakInFlight = Math.max(stats.peakInFlight, inFlight);
    let done = false;
    res.once("close", () => {
      if (!done) {
        done = true;
        inFlight--;
      }
    });

    const url = requestUrl(req.url);
    if (!url) {
      // a target no URL can hold (an absolute-form one with an invalid host, `http://[`): the client's fault
      if (log.length < 100_000) log.push({ method, route: `${method} (malformed path)`, query: {}, receivedAt: performance.now() });
      return sendError(res, requestId, new ApiError(Code.INVALID_ARGUMENT, "malformed request path"));
    }
    const match = matchRoute(method, url.pathname, knobs.routes);
    bump(stats.byRoute, match.key);
    const entry: LoggedRequest = { method, route: match.key, query: Object.fromEntries(url.searchParams), receivedAt: performance.now() };
    if (typeof req.headers["user-agent"] === "string") entry.userAgent = req.headers["user-agent"];
    if (log.length < 100_000) log.push(entry);

    if (dead || (knobs.failAfterRequests > 0 && requestCount > knobs.failAfterRequests)) {
      die();
      req.socket.destroy();
      return;
    }

    // the gateway's token bucket: charged when the request arrives, answered after the same latency
    const bucket: BucketVerdict | undefined = rateGate.check(knobs, performance.now());
    const rlHeaders = bucket ? rateLimitHeaders(knobs, bucket) : {};
    const raw = await readBody(req);
    if (knobs.latencyMs > 0 && !(await sleep(knobs.latencyMs))) return;
    if (closed || dead) return;

    if (knobs.invalidTokenAfterRequests > 0 && requestCount > knobs.invalidTokenAfterRequests) {
      return sendError(res, requestId, new ApiError(Code.UNAUTHENTICATED, "invalid or expired token"));
    }
    const auth = req.headers["authorization"];
    const m = typeof auth === "string" ? /^bearer\s+(.+)$/i.exec(auth.trim()) : null;
    if (!m || m[1] !== token) {
      return sendError(res, requestId, new ApiError(Code.UNAUTHENTICATED, "invalid or expired token"));
    }

    if (bucket && !bucket.allowed) {
      stats.rateLimited++;
      return sendError(res, requestId, new ApiError(Code.RESOURCE_EXHAUSTED, "rate limit exceeded"), { "retry-after": String(bucket.retryAfterS), ...rlHeaders });
    }

    const fault = decideFaults(knobs, faultRng, method);
    if (fault.hang) {
      stats.faults.hang++;
      return; // never answered; close() destroys the socket
    }
    if (fault.rateLimit) {
      stats.faults["429"]++;
      return sendError(
        res,
        requestId,
        new ApiError(Code.RESOURCE_EXHAUSTED, "rate limited"),
        fault.retryAfter ? { "retry-after": knobs.retryAfter } : {},
      );
    }
    if (fault.unavailable) {
      stats.faults["503"]++;
      return sendError(res, requestId, new ApiError(Code.UNAVAILABLE, "service unavailable"));
    }

    if (match.kind === "none" || knobs.missingRoutes.includes(match.key)) return sendError(res, requestId, new ApiError(Code.NOT_FOUND, "route not found"));
    if (match.kind === "method") {
      if (match.status === 501) return sendError(res, requestId, new ApiError(Code.UNIMPLEMENTED, "Not Implemented", 501));
      return sendError(res, requestId, new ApiError(Code.UNIMPLEMENTED, "method not allowed", 405), { allow: match.allowed.join(", ") });
    }

    let body: unknown = {};
    if (method === "POST" || method === "PATCH" || method === "PUT") {
      if (raw === undefined) return sendError(res, requestId, new ApiError(Code.INVALID_ARGUMENT, "request body too large"));
      const text = raw.toString("utf8");
      if (text.trim() !== "") {
        try {
          body = JSON.parse(text) as unknown;
        } catch (e) {
          return sendError(
            res,
            requestId,
            new ApiError(Code.INVALID_ARGUMENT, `request body is not valid JSON: ${(e as Error).message}`),
          );
        }
      }
    }

    entry.body = body;
    const enc = new Encoder(knobs, encodeRng);
    let result;
    try {
      dataFile?.syncFromDisk();
      store.objectDefaults = knobs.objectDefaults;
      result = match.route.handler({
        store,
        enc,
        knobs,
        query: url.searchParams,
        params: match.params,
        body,
        emptyPageDue: () => {
          listPages++;
          return knobs.emptyPageEvery > 0 && listPages % knobs.emptyPageEvery === 0;
        },
      });
    } catch (e) {
      if (e instanceof ApiError) return sendError(res, requestId, e);
      return send(res, requestId, 500, { code: 13, message: `internal error: ${(e as Error).message}`, request_id: requestId });
    }
    if (knobs.simplifiedWrites && (method === "POST" || method === "PATCH")) result = { ...result, body: simplified(match.key, result.body) };
    const wrapperKey = knobs.wrapperKeys[match.key];
    if (wrapperKey) result = { ...result, body: rewrap(result.body, wrapperKey) };
    if (fault.ambiguous) {
      stats.faults.ambiguous++;
      req.socket.destroy(); // committed, but the client never hears about it
      return;
    }
    entry.answeredAt = performance.now();
    send(res, requestId, result.status ?? 200, enc.finalize(result.body), rlHeaders);
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ code: 13, message: String(e) }));
      }
    });
  };
  const tls = opts.tls ? makeTlsMaterial(opts.tls === true ? {} : opts.tls) : undefined;
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, onRequest) : http.createServer(onRequest);
  // Longer than clients keep an idle connection (undici: 4 s), so the client always closes it first: a
  // server that closes first races a client reusing the connection (ECONNRESET on a loaded machine).
  server.keepAliveTimeout = 30_000;
  server.on("connection", (s: Socket) => {
    if (dead || closed) {
      s.destroy();
      return;
    }
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("emulator: unexpected server address");
  const urlHost = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;

  return {
    url: `${tls ? "https" : "http"}://${urlHost}:${addr.port}`,
    caFile: tls?.caFile,
    get token() {
      return token;
    },
    setToken: (t: string) => {
      if (!t) throw new Error("emulator: the token must not be empty");
      token = t;
    },
    store,
    stats: () => structuredClone(stats),
    requests: () => structuredClone(log),
    resetStats: () => {
      log = [];
      stats = emptyStats();
      stats.peakInFlight = inFlight;
    },
    setKnobs: (k) => {
      knobs = mergeKnobs(knobs, k);
    },
    getKnobs: () => mergeKnobs(knobs, undefined),
    close: async () => {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      await done;
      if (tls?.ownDir) fs.rmSync(tls.dir, { recursive: true, force: true });
    },
  };
}

/** The answer with its wrapper key (the first of `values`, `value`, `integrations` it has) renamed: the wrapperKeys knob. */
function rewrap(body: Json, key: string): Json {
  if (!body || typeof body !== "object" || Array.isArray(body)) return body;
  const own = ["values", "value", "integrations"].find((k) => k in body);
  if (!own) return body;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(body)) out[k === own ? key : k] = v;
  return out;
}
