/**
 * What a server knows about each authority of a bundle beyond the SPIFFE bundle document (SPIRE's
 * `types.Bundle`): the tainted flag and a JWT key's expiry. Never written by `SpiffeBundle.marshal()`.
 */
import { BundleError } from '../errors/bundle-error';

/** Server-side facts about one X.509 or JWT authority of a bundle. */
export interface AuthorityMetadata {
  /** Marked for forced rotation (`localauthority … taint`): what it signed is to be replaced before it is revoked. */
  readonly tainted: boolean;
  /** JWT authorities only: unix seconds after which the key is no longer used; absent when it does not expire. */
  readonly expiresAt?: number;
}

/** An untainted authority without expiry: the metadata of every authority nobody described. */
export const PLAIN_AUTHORITY: AuthorityMetadata = Object.freeze({ tainted: false });

/** Checks and freezes one authority's metadata; `where` names the authority in errors. */
export function checkedMetadata(meta: AuthorityMetadata, where: string, jwt: boolean): AuthorityMetadata {
  if (meta.expiresAt !== undefined) {
    if (!jwt)
      throw new BundleError('ERR_BUNDLE_INVALID', `${where}: expiresAt is only kept for jwt authorities`);
    if (!Number.isSafeInteger(meta.expiresAt) || meta.expiresAt < 0) {
      throw new BundleError('ERR_BUNDLE_INVALID', `${where}: expiresAt must be non-negative unix seconds`);
    }
  }
  if (!meta.tainted && meta.expiresAt === undefined) return PLAIN_AUTHORITY;
  return Object.freeze(
    meta.expiresAt === undefined
      ? { tainted: meta.tainted }
      : { tainted: meta.tainted, expiresAt: meta.expiresAt },
  );
}

/** True if both describe the same taint and expiry. */
export function sameMetadata(a: AuthorityMetadata, b: AuthorityMetadata): boolean {
  return a.tainted === b.tainted && a.expiresAt === b.expiresAt;
}
