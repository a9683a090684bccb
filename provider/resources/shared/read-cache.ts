/**
 * Batched reads for `pulumi refresh`: when many AccessProfile (or AccessProfileType) reads arrive in
 * one provider process, they are served from one paged list (page_size 100) instead of one GET each.
 *
 * - Per process and short-lived: a list session lives `VEZA_READ_CACHE_TTL_MS` (default 5000 ms;
 *   0 turns batching off). Each `pulumi refresh` runs a new provider process, so a change made after
 *   one refresh is always seen by the next.
 * - Any write (a non-GET request) of this process drops the session, and a page requested before a
 *   write is discarded when it arrives after it (`invalidateReadCache`, called by the client).
 * - Reads are gathered for a few milliseconds; fewer than `LIST_MIN` reads use plain GETs. The list
 *   is read lazily, page by page, only while some read is still waiting for its id, and never more
 *   pages than half the reads it serves, so a small stack in a large tenant does not list it all.
 * - An id not found in the list (not yet listed, list stopped, or gone) falls back to a GET, which
 *   tells "gone" (404) from "not listed".
 */
import type { VezaApi } from "../../client/api";
import { onWrite } from "../../client/client";
import { parseApi, profileSchema, typeSchema, type ApiProfile, type ApiType } from "../../client/normalize";

const DEFAULT_TTL_MS = 5_000;
/** Reads gathered before deciding between a list and plain GETs. */
const WINDOW_MS = 10;
/** Fewer reads than this in the first window: plain GETs. */
const LIST_MIN = 4;
const NOT_LISTED = Symbol("not-listed");

function ttlMs(): number {
  const raw = process.env.VEZA_READ_CACHE_TTL_MS;
  const n = raw === undefined || raw === "" ? DEFAULT_TTL_MS : Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : DEFAULT_TTL_MS;
}

interface Page<T> {
  items: T[];
  next: string;
  hasMore: boolean;
}

interface Source<T> {
  what: string;
  fetchPage(api: VezaApi, token: string | undefined): Promise<Page<T>>;
  get(api: VezaApi, id: string): Promise<T | undefined>;
  idOf(t: T): string;
}

type Waiter<T> = (v: T | typeof NOT_LISTED) => void;

class Session<T> {
  readonly gen = generation;
  readonly startedAt = Date.now();
  readonly items = new Map<string, T>();
  readonly waiters = new Map<string, Waiter<T>[]>();
  readonly seenTokens = new Set<string>();
  demand = 0;
  pages = 0;
  token: string | undefined;
  scheduled = false;
  running = false;
  /** The list was read to its end. */
  done = false;
  /** Not listing (too few reads, invalidated, or the list failed): remaining reads GET. */
  stopped = false;
  constructor(readonly api: VezaApi) {}

  fresh(): boolean {
    return this.gen === generation && Date.now() - this.startedAt <= ttlMs();
  }

  release(): void {
    for (const ws of this.waiters.values()) for (const w of ws) w(NOT_LISTED);
    this.waiters.clear();
  }
}

let generation = 0;
const sessions = new Map<string, Session<any>>();

/** Drops every cached list; run by the client before and after every non-GET request (see onWrite below). */
export function invalidateReadCache(): void {
  generation++;
  for (const s of sessions.values()) {
    s.stopped = true;
    s.release();
  }
  sessions.clear();
}

async function pump<T>(src: Source<T>, s: Session<T>): Promise<void> {
  if (s.running) return;
  s.running = true;
  try {
    if (s.pages === 0 && s.demand < LIST_MIN) {
      // too few reads to be worth a list: these GET, and the next read opens a new window
      s.stopped = true;
      if (sessions.get(src.what) === s) sessions.delete(src.what);
    }
    while (!s.done && !s.stopped && s.waiters.size > 0 && s.pages < Math.ceil(s.demand / 2)) {
      const gen = generation;
      const page = await src.fetchPage(s.api, s.token);
      if (gen !== generation || s.gen !== generation) {
        s.stopped = true; // a write happened meanwhile: this page may predate it
        break;
      }
      s.pages++;
      for (const item of page.items) {
        const id = src.idOf(item);
        s.items.set(id, item);
        const ws = s.waiters.get(id);
        if (ws) {
          s.waiters.delete(id);
          for (const w of ws) w(item);
        }
      }
      if (!page.hasMore) s.done = true;
      else if (!page.next || s.seenTokens.has(page.next)) s.stopped = true;
      else {
        s.seenTokens.add(page.next);
        s.token = page.next;
      }
    }
  } catch {
    s.stopped = true; // the waiting reads GET, and report that call's error if it fails too
  } finally {
    s.running = false;
    // nobody left waiting: pause (a later read resumes); otherwise the rest GET
    if (s.waiters.size > 0) s.release();
  }
}

async function read<T>(src: Source<T>, api: VezaApi, id: string): Promise<T | undefined> {
  if (ttlMs() === 0) return src.get(api, id);
  let s = sessions.get(src.what) as Session<T> | undefined;
  if (!s || !s.fresh() || s.api !== api) {
    s = new Session<T>(api);
    sessions.set(src.what, s);
  }
  s.demand++;
  if (s.items.has(id)) {
    return s.items.get(id);
  }
  if (s.done || s.stopped) return src.get(api, id);
  const session = s;
  const found = await new Promise<T | typeof NOT_LISTED>((resolve) => {
    const ws = session.waiters.get(id) ?? [];
    ws.push(resolve);
    session.waiters.set(id, ws);
    if (!session.scheduled) {
      session.scheduled = true;
      setTimeout(() => void pump(src, session), WINDOW_MS);
    } else if (session.pages > 0 || session.running) void pump(src, session);
  });
  if (found === NOT_LISTED) return src.get(api, id);
  return found;
}

function pageOf<T>(body: any, parse: (v: unknown) => T): Page<T> {
  return {
    items: (Array.isArray(body?.values) ? body.values : []).map(parse),
    next: typeof body?.next_page_token === "string" ? body.next_page_token : "",
    hasMore: body?.has_more === true,
  };
}

const profiles: Source<ApiProfile> = {
  what: "profiles",
  fetchPage: async (api, token) =>
    pageOf(await api.client.call("listProfiles", { query: { page_size: 100, page_token: token } }), (v) => parseApi(profileSchema, v, "access profile")),
  get: async (api, id) => (await api.getProfile(id))?.profile,
  idOf: (p) => p.id,
};

const types: Source<ApiType> = {
  what: "types",
  fetchPage: async (api, token) =>
    pageOf(await api.client.call("listTypes", { query: { page_size: 100, page_token: token } }), (v) => parseApi(typeSchema, v, "access profile type")),
  get: (api, id) => api.getType(id),
  idOf: (t) => t.id,
};

/** The profile (as listed, or by GET), or undefined when it is gone. */
export function readProfile(api: VezaApi, id: string): Promise<ApiProfile | undefined> {
  return read(profiles, api, id);
}

/** The type (as listed, or by GET), or undefined when it is gone. */
export function readType(api: VezaApi, id: string): Promise<ApiType | undefined> {
  return read(types, api, id);
}

onWrite(invalidateReadCache);
