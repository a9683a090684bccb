/**
 * Look-ups by id or name served from a documented, paged list: the only evidence the provider
 * accepts that an object is gone is its absence from a complete walk of that list (the contract's
 * "REST endpoints" rules; GET by id is an assumed route and never used for that).
 *
 * - One walk per list is shared by every look-up of the process: look-ups arriving within
 *   `GATHER_MS` wait together, pages are read lazily (only while some look-up still waits), and a
 *   look-up whose key was already listed is answered without a request. A `pulumi refresh` of N
 *   profiles costs about N/100 requests.
 * - The walk knows this process's own writes (`put` / `remove`), so it never needs to be read
 *   again because of them. A finished walk answers while look-ups keep coming: one refresh reads
 *   each list once however long it takes (its profile, version and membership reads all come from
 *   the profile list, and at 10,000 profiles they span minutes). A walk that no look-up has used
 *   for the TTL is replaced by a fresh one, so a later operation in the same process sees what
 *   others changed meanwhile.
 * - A page that breaks the paging rules (has_more with an empty or repeated token) fails the
 *   waiting look-ups: a broken list is never taken as "not found".
 */
import type { VezaApiError } from "../errors";
import { pages, type ListPage } from "./paging";

export type { ListPage } from "./paging";

export interface ListIndexOptions<T> {
  /** e.g. "access profiles", for error messages. */
  what: string;
  fetchPage(token: string | undefined): Promise<ListPage<T>>;
  idOf(item: T): string;
  nameOf(item: T): string | undefined;
  /** How long a finished walk stays trusted after the last look-up it answered, in ms (0: every look-up walks on its own); asked when a look-up comes. */
  trustMs(): number;
  /** The clock (tests inject one). */
  now?: () => number;
}

/** Look-ups arriving within this many ms share the walk's first page. */
const GATHER_MS = 10;

type Key = `id:${string}` | `name:${string}`;
type Waiter<T> = { resolve(v: T | undefined): void; reject(e: unknown): void };

class Walk<T> {
  readonly items = new Map<Key, T>();
  readonly waiters = new Map<Key, Waiter<T>[]>();
  /** The list's pages, read one at a time while look-ups wait (the token rule is ./paging.ts's). */
  private readonly pageReader: AsyncGenerator<ListPage<T>>;
  private scheduled = false;
  private running = false;
  done = false;
  /** Pages read by this walk (tests and bench). */
  pages = 0;

  constructor(private readonly opts: ListIndexOptions<T>) {
    this.pageReader = pages(opts.what, opts.fetchPage);
    this.now = opts.now ?? Date.now;
  }

  index(item: T): void {
    this.items.set(`id:${this.opts.idOf(item)}`, item);
    const name = this.opts.nameOf(item);
    if (name !== undefined) this.items.set(`name:${name}`, item);
  }

  unindex(id: string): void {
    const item = this.items.get(`id:${id}`);
    if (!item) return;
    this.items.delete(`id:${id}`);
    const name = this.opts.nameOf(item);
    if (name !== undefined && this.items.get(`name:${name}`) === item) this.items.delete(`name:${name}`);
  }

  find(key: Key): Promise<T | undefined> {
    this.usedAt = this.now();
    const known = this.items.get(key);
    if (known || this.done) return Promise.resolve(known);
    return new Promise<T | undefined>((resolve, reject) => {
      const ws = this.waiters.get(key) ?? [];
      ws.push({ resolve, reject });
      this.waiters.set(key, ws);
      if (!this.scheduled) {
        this.scheduled = true;
        setTimeout(() => void this.pump(), GATHER_MS);
      } else if (!this.running) void this.pump();
    });
  }

  private settle(key: Key, value: T | undefined): void {
    const ws = this.waiters.get(key);
    if (!ws) return;
    this.waiters.delete(key);
    for (const w of ws) w.resolve(value);
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (!this.done && this.waiters.size > 0) {
        const next = await this.pageReader.next();
        if (next.done) break; // not reached: the last page (has_more false) ends the loop below
        this.pages++;
        for (const item of next.value.items) {
          this.index(item);
          this.settle(`id:${this.opts.idOf(item)}`, item);
          const name = this.opts.nameOf(item);
          if (name !== undefined) this.settle(`name:${name}`, item);
        }
        if (!next.value.hasMore) {
          this.done = true;
          this.usedAt = Math.max(this.usedAt, this.now());
        }
      }
      // a complete walk: whoever is still waiting is not in the list
      if (this.done) for (const key of [...this.waiters.keys()]) this.settle(key, this.items.get(key));
    } catch (e) {
      const all = [...this.waiters.values()].flat();
      this.waiters.clear();
      for (const w of all) w.reject(e as VezaApiError | Error);
      this.failed = true;
    } finally {
      this.running = false;
    }
  }

  /** A failed walk is not reused: the next look-up starts over. */
  failed = false;
  /** The last look-up, or the walk's last page if later. */
  private usedAt = 0;
  private readonly now: () => number;

  /**
   * A walk still in progress (or paused, waiting for a look-up of an id not listed yet) is always
   * joined; a finished walk is trusted until `ttlMs` passes without a look-up (sliding, not from its
   * last page: a fixed span made a refresh longer than the TTL walk the list again, requests
   * growing with the square of the stack's size).
   */
  fresh(ttlMs: number): boolean {
    if (this.failed || ttlMs <= 0) return false;
    return !this.done || this.now() - this.usedAt < ttlMs;
  }
}

export class ListIndex<T> {
  private walk?: Walk<T>;

  constructor(private readonly opts: ListIndexOptions<T>) {}

  private current(): Walk<T> {
    if (!this.walk?.fresh(this.opts.trustMs())) this.walk = new Walk(this.opts);
    return this.walk;
  }

  /** The listed object with this id; undefined only when a complete walk did not list it. */
  byId(id: string): Promise<T | undefined> {
    return this.current().find(`id:${id}`);
  }

  /** The listed object with this exact name; undefined only when a complete walk did not list it. */
  byName(name: string): Promise<T | undefined> {
    return this.current().find(`name:${name}`);
  }

  /** This process created or changed the object: the walk in progress answers with it from now on. */
  put(item: T): void {
    this.walk?.index(item);
  }

  /**
   * The tenant may have changed in a way this process cannot know (a POST that got no answer may
   * have been committed): the next look-up starts a new walk.
   */
  forget(): void {
    this.walk = undefined;
  }

  /** This process deleted the object. */
  remove(id: string): void {
    this.walk?.unindex(id);
  }

  /** Pages the current walk has read (tests, bench). */
  get pagesRead(): number {
    return this.walk?.pages ?? 0;
  }
}
