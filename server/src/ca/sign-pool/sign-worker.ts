/**
 * The body of a signing worker thread (loaded by piscina from the built `dist/`): verifies each CSR of a chunk
 * and signs its leaf with the same code as the main thread. The CA key arrives with every task as a cloned
 * KeyObject; the signer built from it is kept per authority ID, so a rotation is picked up by the first task
 * that names the new authority. Nothing here logs.
 */
import { issueLeafFromCsr } from '../csr-issue';
import { createCertSigner } from '../der/signer';
import type { LeafIssuer } from '../x509-templates';
import { asBuffer, encodeError, type AuthorityForWorker, type SignOutcome, type SignTask } from './messages';

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
export function signCsrChunk(task: SignTask): SignOutcome[] {
  const issuer = issuerFor(task.authority);
  return task.items.map((item): SignOutcome => {
    try {
      const leaf = issueLeafFromCsr(
        issuer,
        { ...item, csrDer: asBuffer(item.csrDer) },
        task.settings,
        task.nowMs,
      );
      return { ok: true, ...leaf };
    } catch (err) {
      return { ok: false, error: encodeError(err) };
    }
  });
}
