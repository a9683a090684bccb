/**
 * List pagination. Page tokens are opaque standard base64 that always contains `+`, `/` and `=`,
 * so a client that does not URL-encode them gets a 400 (a raw `+` in a query string reads as a space).
 */
import { createHash } from "node:crypto";
import { invalid } from "./errors";

/** Three bytes that encode to "+/++": every token starts with them. */
const MAGIC = Buffer.from([0xfb, 0xff, 0xbe]);

interface TokenBody {
  /** offset of the next item */
  o: number;
  /** scope: hash of the list and its query, so a token is only valid for the list that issued it */
  s: string;
  /** set on the token of an injected empty page: the next page is never empty again */
  e?: 1;
}

export function scopeOf(parts: string[]): string {
  return createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 12);
}

export function encodeToken(body: TokenBody): string {
  let json = JSON.stringify(body);
  // make the byte length ≡ 1 mod 3 so the base64 ends in "==" (padding is always present)
  while ((MAGIC.length + Buffer.byteLength(json)) % 3 !== 1) json += " ";
  return Buffer.concat([MAGIC, Buffer.from(json)]).toString("base64");
}

export function decodeToken(token: string, scope: string): TokenBody {
  const bad = (why: string): never => {
    throw invalid(`invalid page_token: ${why}`);
  };
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token) || token.length % 4 !== 0) bad("not a token this server issued (was it URL-encoded?)");
  const raw = Buffer.from(token, "base64");
  if (raw.length <= MAGIC.length || !raw.subarray(0, MAGIC.length).equals(MAGIC)) bad("not a token this server issued");
  let body: unknown;
  try {
    body = JSON.parse(raw.subarray(MAGIC.length).toString("utf8"));
  } catch {
    bad("corrupt token");
  }
  const b = body as Partial<TokenBody>;
  if (typeof b !== "object" || b === null || typeof b.o !== "number" || !Number.isInteger(b.o) || b.o < 0 || typeof b.s !== "string") {
    bad("corrupt token");
  }
  if (b.s !== scope) bad("token belongs to a different list or filter");
  return b as TokenBody;
}

export interface PageRequest {
  pageSize: number;
  offset: number;
  fromEmptyPage: boolean;
}

export function parsePageRequest(query: URLSearchParams, scope: string, maxPageSize: number): PageRequest {
  const rawSize = query.get("page_size");
  let pageSize = 100;
  if (rawSize !== null && rawSize !== "") {
    if (!/^\d+$/.test(rawSize.trim())) throw invalid(`invalid value for "page_size": expected a non-negative integer`);
    pageSize = Number(rawSize.trim()) || 100;
  }
  pageSize = Math.min(pageSize, maxPageSize);
  const token = query.get("page_token");
  if (token === null || token === "") return { pageSize, offset: 0, fromEmptyPage: false };
  const body = decodeToken(token, scope);
  return { pageSize, offset: body.o, fromEmptyPage: body.e === 1 };
}

export interface Page<T> {
  values: T[];
  next_page_token: string;
  has_more: boolean;
}

/**
 * Cuts one page. `injectEmpty` asks for an empty page with has_more true that continues at the
 * same offset (ignored when the request itself came from an injected empty page).
 */
export function cutPage<T>(items: readonly T[], req: PageRequest, scope: string, injectEmpty: boolean): Page<T> {
  if (injectEmpty && !req.fromEmptyPage) {
    return { values: [], next_page_token: encodeToken({ o: req.offset, s: scope, e: 1 }), has_more: true };
  }
  const values = items.slice(req.offset, req.offset + req.pageSize);
  const end = req.offset + values.length;
  if (end < items.length) return { values, next_page_token: encodeToken({ o: end, s: scope }), has_more: true };
  return { values, next_page_token: "", has_more: false };
}
