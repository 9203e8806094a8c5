import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '@lanyard/base';
import { type StoredBundle, certNotAfter, hasSubjectKeyId } from './bundle-codec';
import { mutateBundle } from './bundles';
import type { Db } from './schema';

/*
 * Local-authority operations on a stored bundle (SPIRE's Taint/Revoke X509CA and JWTKey) and pruning.
 * Every change bumps the sequence number so agents and federated peers notice.
 */

function bumped(b: StoredBundle, changes: Partial<StoredBundle>): StoredBundle {
  return { ...b, ...changes, sequenceNumber: b.sequenceNumber + 1 };
}

/** Marks the X.509 authority with this subject key ID tainted. */
export async function taintX509Authority(db: Db, trustDomain: string, subjectKeyId: string): Promise<void> {
  await mutateBundle(db, trustDomain, (b) => {
    const target = b.x509Authorities.find((a) => hasSubjectKeyId(a, subjectKeyId));
    if (target === undefined) throw new NotFoundError('no ca found with provided subject key ID');
    if (target.tainted) throw new FailedPreconditionError('root CA is already tainted');
    const x509Authorities = b.x509Authorities.map((a) => (a === target ? { ...a, tainted: true } : a));
    return bumped(b, { x509Authorities });
  });
}

/** Removes a tainted X.509 authority. */
export async function revokeX509Authority(db: Db, trustDomain: string, subjectKeyId: string): Promise<void> {
  await mutateBundle(db, trustDomain, (b) => {
    const target = b.x509Authorities.find((a) => hasSubjectKeyId(a, subjectKeyId));
    if (target === undefined) throw new NotFoundError('no root CA found with provided subject key ID');
    if (!target.tainted)
      throw new FailedPreconditionError('it is not possible to revoke an untainted root CA');
    return bumped(b, { x509Authorities: b.x509Authorities.filter((a) => a !== target) });
  });
}

/** Marks the JWT key with this key ID tainted. */
export async function taintJwtAuthority(db: Db, trustDomain: string, keyId: string): Promise<void> {
  await mutateBundle(db, trustDomain, (b) => {
    const target = b.jwtAuthorities.find((k) => k.keyId === keyId);
    if (target === undefined) throw new NotFoundError('no JWT key found with provided key ID');
    if (target.tainted) throw new FailedPreconditionError('key is already tainted');
    return bumped(b, {
      jwtAuthorities: b.jwtAuthorities.map((k) => (k === target ? { ...k, tainted: true } : k)),
    });
  });
}

/** Removes a tainted JWT key. */
export async function revokeJwtAuthority(db: Db, trustDomain: string, keyId: string): Promise<void> {
  await mutateBundle(db, trustDomain, (b) => {
    const target = b.jwtAuthorities.find((k) => k.keyId === keyId);
    if (target === undefined) throw new NotFoundError('no JWT key found with provided key ID');
    if (!target.tainted) throw new FailedPreconditionError('it is not possible to revoke an untainted key');
    return bumped(b, { jwtAuthorities: b.jwtAuthorities.filter((k) => k !== target) });
  });
}

/**
 * Drops X.509 authorities that expired before `expiresBefore` and JWT keys with a non-zero expiry before
 * it. Refuses to drop every X.509 authority or every JWT key. Returns whether the bundle changed.
 */
export async function pruneBundle(db: Db, trustDomain: string, expiresBefore: number): Promise<boolean> {
  if (!Number.isSafeInteger(expiresBefore))
    throw new InvalidArgumentError('expiresBefore must be unix seconds');
  let changed = false;
  await mutateBundle(db, trustDomain, (b) => {
    const x509Authorities = b.x509Authorities.filter((a) => certNotAfter(a.asn1) >= expiresBefore);
    const jwtAuthorities = b.jwtAuthorities.filter((k) => k.expiresAt === 0 || k.expiresAt >= expiresBefore);
    if (b.x509Authorities.length > 0 && x509Authorities.length === 0) {
      throw new FailedPreconditionError('prune failed: would prune all certificates');
    }
    if (b.jwtAuthorities.length > 0 && jwtAuthorities.length === 0) {
      throw new FailedPreconditionError('prune failed: would prune all JWT signing keys');
    }
    changed =
      x509Authorities.length !== b.x509Authorities.length ||
      jwtAuthorities.length !== b.jwtAuthorities.length;
    return changed ? bumped(b, { x509Authorities, jwtAuthorities }) : undefined;
  });
  return changed;
}
