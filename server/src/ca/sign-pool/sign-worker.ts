/**
 * The body of a signing worker thread (loaded by piscina from the built `dist/`): verifies each CSR of a chunk
 * and signs its leaf with the same code as the main thread. The CA key arrives with every task as a cloned
 * KeyObject; the signer built from it is kept per authority ID, so a rotation is picked up by the first task
 * that names the new authority. The signed bytes go back in one transferred buffer. Nothing here logs.
 */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { issueLeafFromCsr } from '../csr-issue';
import { createCertSigner } from '../der/signer';
import type { LeafIssuer } from '../x509-templates';
import {
  asBuffer,
  encodeError,
  packBytes,
  viewOf,
  type AuthorityForWorker,
  type SignOutcome,
  type SignResult,
  type SignTask,
} from './messages';

/** Authorities kept per worker: the active one and, right after a rotation, the one before it. */
const MAX_AUTHORITIES = 2;
const issuers = new Map<string, LeafIssuer>();

function issuerFor(authority: AuthorityForWorker): LeafIssuer {
  const known = issuers.get(authority.authorityId);
  if (known) return known;
  const issuer: LeafIssuer = {
    signer: createCertSigner(authority.key),
    subjectDer: asBuffer(authority.subjectDer),
    subjectKeyId: asBuffer(authority.subjectKeyId),
    notAfter: authority.notAfter,
  };
  if (issuers.size >= MAX_AUTHORITIES) issuers.delete(issuers.keys().next().value as string);
  issuers.set(authority.authorityId, issuer);
  return issuer;
}

/** Signs every item of `task`; a bad item yields its error and never stops the others. */
export function signCsrChunk(task: SignTask): unknown {
  const issuer = issuerFor(task.authority);
  const parts: Buffer[] = [];
  let offset = 0;
  const outcomes = task.items.map((item, i): SignOutcome => {
    const csrDer = viewOf(task.csrs, i === 0 ? 0 : task.csrEnds[i - 1], task.csrEnds[i]);
    try {
      const leaf = issueLeafFromCsr(issuer, { ...item, csrDer }, task.settings, task.nowMs);
      parts.push(leaf.certDer, leaf.serial);
      const certStart = offset;
      const certEnd = (offset += leaf.certDer.length);
      const serialEnd = (offset += leaf.serial.length);
      return { ok: true, spiffeId: leaf.spiffeId, notAfter: leaf.notAfter, certStart, certEnd, serialEnd };
    } catch (err) {
      return { ok: false, error: encodeError(err) };
    }
  });
  const result: SignResult = { bytes: packBytes(parts).bytes, outcomes };
  return move({ [transferableSymbol]: result.bytes.buffer, [valueSymbol]: result });
}
