/** Certification path building for X509-SVID verification: DFS from the leaf to a trust-domain root. */
import { X509Certificate } from 'node:crypto';
import { X509SvidError, type X509SvidErrorCode } from '../errors/x509-svid-error';
import { CertificateInfo } from './cert-info';
import { checkSigningConstraints, infoOf } from './svid-rules';

/** Builds an UNAUTHENTICATED {@link X509SvidError}, keeping `cause` when given. */
export function untrusted(
  message: string,
  code: X509SvidErrorCode = 'ERR_X509_SVID_UNTRUSTED',
  cause?: unknown,
): X509SvidError {
  return new X509SvidError(code, message, { cause });
}

/** Signature results per (child, issuer) object pair; certificates are immutable so this is always safe. */
const signatureCache = new WeakMap<X509Certificate, WeakMap<X509Certificate, boolean>>();

function issuedBy(child: X509Certificate, issuer: X509Certificate): boolean {
  let byIssuer = signatureCache.get(child);
  if (!byIssuer) signatureCache.set(child, (byIssuer = new WeakMap()));
  let ok = byIssuer.get(issuer);
  if (ok === undefined) {
    ok = child.checkIssued(issuer) && child.verify(issuer.publicKey);
    byIssuer.set(issuer, ok);
  }
  return ok;
}

/** Returns why `info` is outside its validity window at `now`, or undefined. */
export function timeProblem(info: CertificateInfo, now: number, where: string): X509SvidError | undefined {
  if (now < info.notBefore) {
    const at = new Date(info.notBefore).toISOString();
    return untrusted(`${where}: not valid until ${at}`, 'ERR_X509_SVID_NOT_YET_VALID');
  }
  if (now > info.notAfter) {
    return untrusted(
      `${where}: expired at ${new Date(info.notAfter).toISOString()}`,
      'ERR_X509_SVID_EXPIRED',
    );
  }
  return undefined;
}

/** Returns why `cert` cannot issue at `depth` (leaf = 0): CA/keyCertSign, validity, pathLen, critical extensions. */
function issuerProblem(
  cert: X509Certificate,
  depth: number,
  now: number,
  where: string,
): X509SvidError | undefined {
  try {
    checkSigningConstraints(cert, where, true);
  } catch (err) {
    return untrusted((err as Error).message, 'ERR_X509_SVID_UNTRUSTED', err);
  }
  const info = infoOf(cert, where);
  const time = timeProblem(info, now, where);
  if (time) return time;
  if (info.pathLen !== undefined && depth - 1 > info.pathLen) {
    return untrusted(`${where}: path length constraint ${info.pathLen} exceeded`);
  }
  if (info.unhandledCritical.length > 0) {
    return untrusted(`${where}: unsupported critical extension ${info.unhandledCritical[0]}`);
  }
  return undefined;
}

/** Most issuer candidates tried while building one path (like Go's signature-check cap), bounding hostile chains. */
const MAX_CANDIDATE_CHECKS = 100;

/** State of one path search. */
export interface PathSearch {
  readonly now: number;
  /** Candidates left to try. */
  left: number;
  /** The first reason a signing candidate was refused, reported if no path is found. */
  firstProblem?: X509SvidError;
}

/** Starts a path search at time `now`. */
export function newPathSearch(now: number): PathSearch {
  return { now, left: MAX_CANDIDATE_CHECKS };
}

function accept(search: PathSearch, cert: X509Certificate, depth: number, where: string): boolean {
  const problem = issuerProblem(cert, depth, search.now, where);
  if (problem) search.firstProblem ??= problem;
  return !problem;
}

/**
 * Depth-first search for a path from the last certificate of `path` to one of `roots` through unused
 * `intermediates`, accepting only issuers that pass every constraint. Returns the full path (root last) or
 * undefined; `search.firstProblem` then tells why the best candidate was refused.
 */
export function buildPath(
  path: X509Certificate[],
  intermediates: readonly X509Certificate[],
  roots: readonly X509Certificate[],
  search: PathSearch,
): X509Certificate[] | undefined {
  const current = path[path.length - 1];
  const depth = path.length;
  for (const root of roots) {
    if (search.left-- <= 0) return undefined;
    if (issuedBy(current, root) && accept(search, root, depth, 'root certificate')) return [...path, root];
  }
  for (const next of intermediates) {
    if (path.includes(next)) continue;
    if (search.left-- <= 0) return undefined;
    if (!issuedBy(current, next) || !accept(search, next, depth, `intermediate ${depth}`)) continue;
    const found = buildPath([...path, next], intermediates, roots, search);
    if (found) return found;
  }
  return undefined;
}
