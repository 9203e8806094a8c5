import { X509Certificate } from 'node:crypto';
import { parseSpiffeId } from '../util/spiffe-id';
import type { Caller } from '../auth/caller';
import type { SurfaceCall } from '../api/boundary';

interface PeerFacts {
  spiffeId?: string;
  certSerial?: string;
  certNotAfter?: number;
}

const MAX_CACHED = 4096;

/**
 * Turns the TLS peer certificate grpc-js reports (only when it chained to the configured CA roots, i.e. our
 * bundle) into a {@link Caller}. A certificate that is a CA, lacks exactly one URI SAN, or names a foreign trust
 * domain leaves the caller unauthenticated. Parsed results are cached by fingerprint (bounded).
 */
export class PeerIdentityResolver {
  private readonly cache = new Map<string, PeerFacts>();

  constructor(private readonly trustDomain: string) {}

  /** Caller for a call received on the TLS endpoint. */
  resolve(call: SurfaceCall): Caller {
    const addr = call.getPeer();
    const peer = call.getAuthContext()?.sslPeerCertificate;
    if (peer === undefined || peer.raw === undefined) return { addr, local: false };
    let facts = this.cache.get(peer.fingerprint256);
    if (facts === undefined) {
      facts = this.parse(peer.raw);
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      this.cache.set(peer.fingerprint256, facts);
    }
    return { addr, local: false, ...facts };
  }

  private parse(der: Buffer): PeerFacts {
    try {
      const cert = new X509Certificate(der);
      if (cert.ca) return {};
      const uris = (cert.subjectAltName ?? '')
        .split(', ')
        .filter((san) => san.startsWith('URI:'))
        .map((san) => san.slice(4));
      if (uris.length !== 1) return {};
      const parsed = parseSpiffeId(uris[0]);
      if (parsed.trustDomain !== this.trustDomain || parsed.path === '') return {};
      return {
        spiffeId: uris[0],
        certSerial: BigInt(`0x${cert.serialNumber}`).toString(10),
        certNotAfter: Math.floor(Date.parse(cert.validTo) / 1000),
      };
    } catch {
      return {};
    }
  }
}
