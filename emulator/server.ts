/**
 * The node:http server: the emulator's HTTP plumbing (authentication, latency, answers, sockets,
 * persistence). Fault injection is faults.ts, routing dispatch.ts, statistics stats.ts.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { Socket } from "node:net";
import { randomBytes, randomUUID } from "node:crypto";
import { ApiError, Code } from "./errors";
import { dispatch, jsonBody, routeOf } from "./dispatch";
import { FaultInjector } from "./faults";
import { DEFAULT_KNOBS, knobsFromEnv, mergeKnobs, mulberry32, type EmulatorKnobs, type KnobsPatch } from "./knobs";
import { DataFile } from "./persist";
import { rateLimitHeaders } from "./ratelimit";
import { matchRoute } from "./routes";
import { Statistics, type EmulatorStats, type LoggedRequest } from "./stats";
import { EmulatorStore } from "./store";
import { makeTlsMaterial, type TlsMaterial, type TlsOptions } from "./tls";
import type { Json } from "./types";

export type { EmulatorStats, LoggedRequest } from "./stats";

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

/** The request target as a URL (origin-form `/path?query` read as a path, whatever it starts with), or undefined when it cannot be one. */
function requestUrl(target: string | undefined): URL | undefined {
  const origin = "http://emulator.invalid";
  try {
    return target?.startsWith("/") ? new URL(origin + target) : new URL(target ?? "/", origin);
  } catch {
    return undefined;
  }
}

/** The body, or undefined past MAX_BODY; what arrived when the client goes away. */
function readBody(req: http.IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
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
}

/** One running emulator: its tenant, knobs, token and sockets. `startEmulator` returns its `Emulator` face. */
class EmulatorServer {
  token: string;
  knobs: EmulatorKnobs;
  readonly store = new EmulatorStore();
  readonly stats = new Statistics();
  private readonly faults: FaultInjector;
  private readonly dataFile?: DataFile;
  private readonly encodeRng: () => number;
  private listPages = 0;
  private closed = false;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  readonly tls?: TlsMaterial;
  readonly server: http.Server;

  constructor(opts: StartOptions) {
    this.token = opts.token ?? `veza-emu-${randomBytes(16).toString("hex")}`;
    this.knobs = mergeKnobs(
      mergeKnobs({ ...DEFAULT_KNOBS, deleteSupport: { ...DEFAULT_KNOBS.deleteSupport } }, knobsFromEnv()),
      opts.knobs,
    );
    const seed = opts.seed ?? 1;
    this.faults = new FaultInjector(seed);
    this.encodeRng = mulberry32(seed ^ 0x9e3779b9);
    if (opts.dataFile) {
      const dataFile = new DataFile(opts.dataFile, this.store);
      dataFile.open();
      this.store.onChange = () => dataFile.write();
      this.dataFile = dataFile;
    }
    const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      this.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ code: 13, message: String(e) }));
        }
      });
    };
    this.tls = opts.tls ? makeTlsMaterial(opts.tls === true ? {} : opts.tls) : undefined;
    this.server = this.tls ? https.createServer({ key: this.tls.key, cert: this.tls.cert }, onRequest) : http.createServer(onRequest);
    // Longer than clients keep an idle connection (undici: 4 s), so the client always closes it first: a
    // server that closes first races a client reusing the connection (ECONNRESET on a loaded machine).
    this.server.keepAliveTimeout = 30_000;
    this.server.on("connection", (s: Socket) => {
      if (this.faults.dead || this.closed) {
        s.destroy();
        return;
      }
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
  }

  /** The emptyPageEvery knob: every list page is counted, whether the knob is on or not. */
  private emptyPageDue(): boolean {
    this.listPages++;
    return this.knobs.emptyPageEvery > 0 && this.listPages % this.knobs.emptyPageEvery === 0;
  }

  /** Resolves false when the server closed meanwhile. */
  private sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve(!this.closed);
      }, ms);
      this.timers.add(t);
    });
  }

  private send(res: http.ServerResponse, requestId: string, status: number, body: Json, headers: Record<string, string> = {}): void {
    if (res.destroyed || res.writableEnded) return;
    const text = JSON.stringify(body);
    this.stats.answered(status);
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(text)),
      "x-request-id": requestId,
      ...headers,
    });
    res.end(text);
  }

  private sendError(res: http.ServerResponse, requestId: string, err: ApiError, headers?: Record<string, string>): void {
    this.send(res, requestId, err.status, { code: err.code, message: err.message, request_id: requestId }, headers);
  }

  private authorized(req: http.IncomingMessage): boolean {
    const auth = req.headers.authorization;
    const m = typeof auth === "string" ? /^bearer\s+(.+)$/i.exec(auth.trim()) : null;
    return !!m && m[1] === this.token && !this.faults.tokenExpired(this.knobs, this.stats.requestCount);
  }

  /** Arrival to answer: logged, then death, the bucket, latency, authentication, faults, the route. */
  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const method = (req.method ?? "GET").toUpperCase();
    this.stats.arrived(res);
    const url = requestUrl(req.url);
    if (!url) {
      // a target no URL can hold (an absolute-form one with an invalid host, `http://[`): the client's fault
      this.stats.logged({ method, route: `${method} (malformed path)`, query: {}, receivedAt: performance.now() }, false);
      return this.sendError(res, requestId, new ApiError(Code.INVALID_ARGUMENT, "malformed request path"));
    }
    const match = matchRoute(method, url.pathname, this.knobs.routes);
    const entry: LoggedRequest = { method, route: match.key, query: Object.fromEntries(url.searchParams), receivedAt: performance.now() };
    if (typeof req.headers["user-agent"] === "string") entry.userAgent = req.headers["user-agent"];
    this.stats.logged(entry);
    if (this.faults.serverDies(this.knobs, this.stats.requestCount)) {
      for (const s of this.sockets) s.destroy();
      req.socket.destroy();
      return;
    }
    // the gateway's token bucket: charged when the request arrives, answered after the same latency
    const bucket = this.faults.charge(this.knobs, performance.now());
    const rlHeaders = bucket ? rateLimitHeaders(this.knobs, bucket) : {};
    const raw = await readBody(req);
    if (this.knobs.latencyMs > 0 && !(await this.sleep(this.knobs.latencyMs))) return;
    if (this.closed || this.faults.dead) return;
    if (!this.authorized(req)) return this.sendError(res, requestId, new ApiError(Code.UNAUTHENTICATED, "invalid or expired token"));
    const fault = this.faults.inject(this.knobs, method, bucket, rlHeaders);
    if (fault.kind !== "none") this.stats.fault(fault.kind);
    if (fault.kind === "hang") return; // never answered; close() destroys the socket
    if (fault.kind !== "none") return this.sendError(res, requestId, fault.error, fault.headers);
    const routed = routeOf(match, this.knobs);
    if ("error" in routed) return this.sendError(res, requestId, routed.error, routed.headers);
    let answer: { status: number; body: Json };
    try {
      entry.body = jsonBody(method, raw);
      answer = dispatch({ method, match: routed.route, query: url.searchParams, body: entry.body }, this.knobs, {
        store: this.store,
        dataFile: this.dataFile,
        encodeRng: this.encodeRng,
        emptyPageDue: () => this.emptyPageDue(),
      });
    } catch (e) {
      if (e instanceof ApiError) return this.sendError(res, requestId, e);
      return this.send(res, requestId, 500, { code: 13, message: `internal error: ${(e as Error).message}`, request_id: requestId });
    }
    if (fault.ambiguous) {
      this.stats.fault("ambiguous");
      req.socket.destroy(); // committed, but the client never hears about it
      return;
    }
    entry.answeredAt = performance.now();
    this.send(res, requestId, answer.status, answer.body, rlHeaders);
  }

  async listen(port: number, host: string): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    const addr = this.server.address();
    if (addr === null || typeof addr === "string") throw new Error("emulator: unexpected server address");
    const urlHost = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
    return `${this.tls ? "https" : "http"}://${urlHost}:${addr.port}`;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    for (const s of this.sockets) s.destroy();
    await done;
    if (this.tls?.ownDir) fs.rmSync(this.tls.dir, { recursive: true, force: true });
  }
}

export async function startEmulator(opts: StartOptions = {}): Promise<Emulator> {
  const emu = new EmulatorServer(opts);
  const url = await emu.listen(opts.port ?? 0, opts.host ?? "127.0.0.1");
  return {
    url,
    caFile: emu.tls?.caFile,
    get token() {
      return emu.token;
    },
    setToken: (t: string) => {
      if (!t) throw new Error("emulator: the token must not be empty");
      emu.token = t;
    },
    store: emu.store,
    stats: () => emu.stats.snapshot(),
    requests: () => emu.stats.requests(),
    resetStats: () => emu.stats.reset(),
    setKnobs: (k) => {
      emu.knobs = mergeKnobs(emu.knobs, k);
    },
    getKnobs: () => mergeKnobs(emu.knobs, undefined),
    close: () => emu.close(),
  };
}
