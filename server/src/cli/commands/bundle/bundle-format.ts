/** Bundle conversions and printing for the `bundle` commands (`-format pem|spiffe`). */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { parseCertificates, SpiffeBundle, TrustDomain } from '@lanyard/spiffe';
import { encodePemBlocks } from '@lanyard/base';
import { CliFailure } from '../support/api-command';
import { withIdErrors } from '../support/ids';

/** `spire.api.types.Bundle` as the CLI reads and writes it. */
export interface BundleView {
  trust_domain: string;
  x509_authorities: { asn1: Uint8Array; tainted?: boolean }[];
  jwt_authorities: { public_key: Uint8Array; key_id: string; expires_at: number; tainted?: boolean }[];
  refresh_hint: number;
  sequence_number: number;
}

/** `pem` (default) or `spiffe`, case-insensitive; anything else → `invalid format: "<f>"`. */
export function validateFormat(format: string | undefined): 'pem' | 'spiffe' {
  const f = (format || 'pem').toLowerCase();
  if (f !== 'pem' && f !== 'spiffe') throw new CliFailure(`invalid format: ${JSON.stringify(f)}`);
  return f;
}

function spiffeBundleOf(bundle: BundleView): SpiffeBundle {
  const trustDomain = withIdErrors(() => TrustDomain.parse(bundle.trust_domain));
  const x509Authorities = bundle.x509_authorities.map((a, i) => {
    try {
      return new X509Certificate(Buffer.from(a.asn1));
    } catch (err) {
      throw new CliFailure(`unable to parse root CA ${i}: ${(err as Error).message}`);
    }
  });
  const jwtAuthorities = new Map<string, KeyObject>();
  for (const a of bundle.jwt_authorities) {
    jwtAuthorities.set(
      a.key_id,
      createPublicKey({ key: Buffer.from(a.public_key), format: 'der', type: 'spki' }),
    );
  }
  return new SpiffeBundle({
    trustDomain,
    x509Authorities,
    jwtAuthorities,
    refreshHint: bundle.refresh_hint > 0 ? Number(bundle.refresh_hint) : undefined,
    sequenceNumber: bundle.sequence_number > 0 ? Number(bundle.sequence_number) : undefined,
  });
}

/**
 * SPIRE's `printBundleWithFormat`: optional `* <td>` header, then the X.509 authorities as PEM, or the SPIFFE
 * bundle document indented with 4 spaces.
 */
export function formatBundle(bundle: BundleView, format: string | undefined, header: boolean): string {
  const f = validateFormat(format);
  const stars = '*'.repeat(40);
  const head = header ? `${stars}\n* ${bundle.trust_domain}\n${stars}\n` : '';
  if (f === 'pem')
    return (
      head +
      encodePemBlocks(
        'CERTIFICATE',
        bundle.x509_authorities.map((a) => a.asn1),
      )
    );
  const doc = JSON.parse(spiffeBundleOf(bundle).marshal()) as unknown;
  return `${head}${JSON.stringify(doc, null, 4)}\n`;
}

/** SPIRE's `util.ParseBundle`: PEM certificates or a SPIFFE bundle document for trust domain `id`. */
export function parseBundleData(data: Buffer, format: 'pem' | 'spiffe', id: string): BundleView {
  if (format === 'pem') {
    let certs: X509Certificate[];
    try {
      certs = parseCertificates(data.toString('utf8'));
    } catch (err) {
      throw new CliFailure(`unable to parse bundle data: ${(err as Error).message}`);
    }
    if (certs.length === 0) throw new CliFailure('unable to parse bundle data: no PEM blocks');
    return {
      trust_domain: id,
      x509_authorities: certs.map((c) => ({ asn1: c.raw })),
      jwt_authorities: [],
      refresh_hint: 0,
      sequence_number: 0,
    };
  }
  const td = withIdErrors(() => TrustDomain.parse(id));
  let parsed: SpiffeBundle;
  try {
    parsed = SpiffeBundle.parse(td, data);
  } catch (err) {
    throw new CliFailure(`unable to parse to spiffe bundle: ${(err as Error).message}`);
  }
  return {
    trust_domain: td.name,
    x509_authorities: parsed.x509Authorities.map((c) => ({ asn1: c.raw })),
    jwt_authorities: [...parsed.jwtAuthorities].map(([kid, key]) => ({
      key_id: kid,
      public_key: key.export({ type: 'spki', format: 'der' }),
      expires_at: 0,
    })),
    refresh_hint: parsed.refreshHint ?? 0,
    sequence_number: parsed.sequenceNumber ?? 0,
  };
}
