const MAX_PAGES = 50;

/** What the SDK's list operations return: an iterator that can also be walked page by page. */
export interface PagedList<T> {
  byPage(): AsyncIterableIterator<T[]>;
}

/**
 * Pages through an ARM list from an SDK pager (at most 50 pages) and returns the first item `match` accepts, or
 * `undefined`.
 */
export async function findInPages<T>(
  pager: PagedList<T>,
  match: (item: T) => boolean,
): Promise<T | undefined> {
  let pages = 0;
  for await (const page of pager.byPage()) {
    const hit = page.find(match);
    if (hit !== undefined) return hit;
    if (++pages >= MAX_PAGES) break;
  }
  return undefined;
}
