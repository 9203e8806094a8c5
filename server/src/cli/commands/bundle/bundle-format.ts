/** Bundle conversions and printing for the `bundle` commands (`-format pem|spiffe`). */
import type { X509Certificate } from 'node:crypto';
import { encodePemBlocks } from '@lanyard/base';
import { bundleFromWire, completeBundleToWire, type WireBundle } from '@lanyard/common';
import { parseCertificates, SpiffeBundle, TrustDomain } from '@lanyard/spiffe';
import { CliFailure } from '../support/api-command';
import { withIdErrors } from '../support/ids';

/** `pem` (default) or `spiffe`, case-insensitive; anything else → `invalid format: "<f>"`. */
export function validateFormat(format: string | undefined): 'pem' | 'spiffe' {
  const f = (format || 'pem').toLowerCase();
  if (f !== 'pem' && f !== 'spiffe') throw new CliFailure(`invalid format: ${JSON.stringify(f)}`);
  return f;
}

/** The bundle the server sent, as a SPIFFE bundle (a malformed one names its field). */
function spiffeBundleOf(bundle: WireBundle): SpiffeBundle {
  try {
    return bundleFromWire(bundle);
  } catch (err) {
    throw new CliFailure((err as Error).message);
  }
}

/**
 * SPIRE's `printBundleWithFormat`: optional `* <td>` header, then the X.509 authorities as PEM, or the SPIFFE
 * bundle document indented with 4 spaces.
 */
export function formatBundle(bundle: WireBundle, format: string | undefined, header: boolean): string {
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
export function parseBundleData(data: Buffer, format: 'pem' | 'spiffe', id: string): WireBundle {
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
      x509_authorities: certs.map((c) => ({ asn1: c.raw, tainted: false })),
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
  return completeBundleToWire(parsed);
}
