import { InvalidArgumentError } from '@lanyard/base';
import type { PageRequest } from '../types';

/*
 * Opaque page tokens: base64url of `<kind>:<cursor>`, where the cursor is the last row's ordering key.
 * A token from another list kind is rejected rather than misread.
 */

/** Encodes the cursor of the last row of a full page. */
export function encodePageToken(kind: string, cursor: string | number): string {
  return Buffer.from(`${kind}:${cursor}`, 'utf8').toString('base64url');
}

/**
 * Decodes a token into its cursor; `undefined` for the first page.
 * @throws InvalidArgumentError when the token is not one this list produced.
 */
export function decodePageToken(kind: string, token: string | undefined): string | undefined {
  if (token === undefined || token === '') return undefined;
  const text = Buffer.from(token, 'base64url').toString('utf8');
  if (!text.startsWith(`${kind}:`) || text.length === kind.length + 1) {
    throw new InvalidArgumentError('invalid page token');
  }
  return text.slice(kind.length + 1);
}

/** Decodes an integer cursor (entries page by internal row ID). */
export function decodeIntCursor(kind: string, token: string | undefined): number | undefined {
  const cursor = decodePageToken(kind, token);
  if (cursor === undefined) return undefined;
  if (!/^\d{1,15}$/.test(cursor)) throw new InvalidArgumentError('invalid page token');
  return Number(cursor);
}

/**
 * Validates the page size: 0/absent = everything.
 * @throws InvalidArgumentError for negative or fractional sizes.
 */
export function pageSizeOf(page: PageRequest | undefined): number {
  const size = page?.pageSize ?? 0;
  if (!Number.isInteger(size) || size < 0)
    throw new InvalidArgumentError('page size must be a non-negative integer');
  return size;
}

/**
 * Given rows fetched with `limit pageSize + 1`, trims to the page and computes the next token.
 * With pageSize 0 (no paging) returns everything and no token.
 */
export function finishPage<R>(
  rows: R[],
  pageSize: number,
  kind: string,
  cursorOf: (row: R) => string | number,
): { rows: R[]; nextPageToken: string } {
  if (pageSize === 0 || rows.length <= pageSize) return { rows, nextPageToken: '' };
  const page = rows.slice(0, pageSize);
  return { rows: page, nextPageToken: encodePageToken(kind, cursorOf(page[page.length - 1] as R)) };
}
