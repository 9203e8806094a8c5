/**
 * The upstream server's bundle folded into ours (`UpstreamAuthority "spire"`): its X.509 roots (new roots after
 * an upstream rotation, taint flags) and the JWT keys of every server of the topology.
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import { SpiffeBundle, type AuthorityMetadata } from '@lanyard/spiffe';

/** `own` plus the authorities of `upstream` it lacks; an X.509 root tainted on either side is tainted. */
export function withUpstreamAuthorities(own: SpiffeBundle, upstream: SpiffeBundle | undefined): SpiffeBundle {
  if (upstream === undefined) return own;
  const x509: X509Certificate[] = [...own.x509Authorities];
  const x509Metadata: AuthorityMetadata[] = [...own.x509AuthorityMetadata];
  upstream.x509Authorities.forEach((cert, i) => {
    const tainted = upstream.x509AuthorityMetadata[i]?.tainted ?? false;
    const at = x509.findIndex((c) => c.raw.equals(cert.raw));
    if (at < 0) {
      x509.push(cert);
      x509Metadata.push({ tainted });
    } else if (tainted) {
      x509Metadata[at] = { ...x509Metadata[at], tainted: true };
    }
  });
  const jwt = new Map<string, KeyObject>(own.jwtAuthorities);
  const jwtMetadata = new Map<string, AuthorityMetadata>(own.jwtAuthorityMetadata);
  for (const [kid, key] of upstream.jwtAuthorities) {
    if (jwt.has(kid)) continue;
    jwt.set(kid, key);
    const meta = upstream.jwtAuthorityMetadata.get(kid);
    if (meta) jwtMetadata.set(kid, meta);
  }
  return new SpiffeBundle({
    trustDomain: own.trustDomain,
    x509Authorities: x509,
    x509AuthorityMetadata: x509Metadata,
    jwtAuthorities: jwt,
    jwtAuthorityMetadata: jwtMetadata,
  });
}
