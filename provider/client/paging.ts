/**
 * The one pagination loop of the provider: the guide's paged lists (`values`, `next_page_token`,
 * `has_more`), read page by page. Used by `VezaClient.paginate` (every item of a list) and by the
 * shared list walks of ./list-index.ts (pages read lazily, only while a look-up waits).
 */
import { PAGING_KEYS } from "./endpoints";
import { wrappedArray } from "./normalize";
import { UnexpectedResponseError } from "../errors";

/** One page of a documented list. */
export interface ListPage<T> {
  items: T[];
  next: string;
  hasMore: boolean;
}

/** A list page of `route` as the guide defines its body: `values` read strictly (see wrappedArray), a missing token or `has_more` as "no more". */
export function pageFromBody(route: string, body: any): ListPage<unknown> {
  return {
    items: wrappedArray(route, body, "values", PAGING_KEYS),
    next: typeof body?.next_page_token === "string" ? body.next_page_token : "",
    hasMore: body?.has_more === true,
  };
}

/**
 * The pages of a list, in order: the next page is asked for with the last page's token while
 * `has_more` is true (through empty pages). A page that says `has_more` with an empty or repeated
 * token fails the walk, naming `what`: a broken list is never taken as complete (that would read as
 * "not found" to the look-ups). The generator reads a page only when the next one is asked for.
 */
export async function* pages<T>(what: string, fetchPage: (token: string | undefined) => Promise<ListPage<T>>): AsyncGenerator<ListPage<T>> {
  const seen = new Set<string>();
  let token: string | undefined;
  for (;;) {
    const page = await fetchPage(token);
    yield page;
    if (!page.hasMore) return;
    if (!page.next || seen.has(page.next)) {
      throw new UnexpectedResponseError(
        `Veza API: the list of ${what} says has_more but its page token ${page.next ? "repeats" : "is empty"}; cannot tell which objects exist`,
      );
    }
    seen.add(page.next);
    token = page.next;
  }
}
