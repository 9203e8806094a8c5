/**
 * One X.509-SVID from a PKCS#10 CSR, as a pure function of the signing authority, the CA settings and the time:
 * the main thread (`ServerCa.signX509SvidFromCsr`) and the signing worker threads run this same code, so a
 * certificate or an error does not depend on where it was made.
 */
import { resolveTtl } from './ca-options';
import { csrSpiffeId, parseAndVerifyCsr } from './csr';
import { requireDnsName } from './names';
import type { CsrX509SvidParams } from './types';
import { issueSvid, type LeafIssuer } from './x509-templates';

/** The CA settings CSR issuance reads. */
export interface CsrIssueSettings {
  /** Trust domain name without scheme. */
  readonly trustDomain: string;
  /** `default_x509_svid_ttl` in seconds, used when a request gives no TTL. */
  readonly defaultTtlSeconds: number;
}

/** A signed leaf, before the issuer chain is appended. */
export interface IssuedLeaf {
  /** Leaf certificate DER. */
  certDer: Buffer;
  /** The SPIFFE ID in its URI SAN. */
  spiffeId: string;
  /** NotAfter in ms. */
  notAfter: number;
  /** Serial number magnitude. */
  serial: Buffer;
}

/** Verifies `params.csrDer` and signs a leaf for its key with `ca` at `nowMs`; throws the CA's typed errors. */
export function issueLeafFromCsr(
  ca: LeafIssuer,
  params: CsrX509SvidParams,
  settings: CsrIssueSettings,
  nowMs: number,
): IssuedLeaf {
  const csr = parseAndVerifyCsr(params.csrDer);
  const spiffeId = csrSpiffeId(csr.uriSans, params.expectedSpiffeId, settings.trustDomain);
  const ttlSeconds = resolveTtl(params.ttlSeconds, settings.defaultTtlSeconds, 'ttl');
  const dnsNames = params.dnsNames ?? csr.dnsNames;
  dnsNames.forEach((name, i) => requireDnsName(name, `dns name ${i}`));
  const subjectDer = params.useCsrSubject ? Buffer.from(csr.subjectDer) : undefined;
  const { certDer, notAfter, serial } = issueSvid(
    ca,
    { spiffeId, spkiDer: csr.spkiDer, ttlMs: ttlSeconds * 1000, dnsNames, subjectDer },
    nowMs,
  );
  return { certDer, spiffeId, notAfter, serial };
}
