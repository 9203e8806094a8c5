import { X509Certificate } from 'node:crypto';
import { parseSpiffeId } from '../util/spiffe-id';
import type { Caller } from '../auth/caller';
import type { SurfaceCall } from '../api/boundary';
import { type CallSession, tlsSessionOf } from './tls-session';

interface PeerFacts {
  spiffeId?: string;
  certSerial?: string;
  certNotAfter?: number;
}

const MAX_CACHED = 4096;

/**
 * Turns the TLS peer certificate of a call (only when it chained to the configured CA roots, i.e. our bundle)
 * into a {@link Caller}. A certificate that is a CA, lacks exactly one URI SAN, or names a foreign trust domain
 * leaves the caller unauthenticated. Results are kept per HTTP/2 session (whose peer cannot change); when the
 * session cannot be reached, the certificate comes from grpc-js's auth context and is cached by fingerprint
 * (bounded).
 */
export class PeerIdentityResolver {
  private readonly bySession = new WeakMap<CallSession, PeerFacts>();
  private readonly byFingerprint = new Map<string, PeerFacts>();

  constructor(private readonly trustDomain: string) {}

  /** Caller for a call received on the TLS endpoint. */
  resolve(call: SurfaceCall): Caller {
    const addr = call.getPeer();
    const facts = this.sessionFacts(call) ?? this.authContextFacts(call);
    return { addr, local: false, ...facts };
  }

  /** Facts of the call's HTTP/2 session, read from its TLS socket once; undefined if the session is unreachable. */
  private sessionFacts(call: SurfaceCall): PeerFacts | undefined {
    const reached = tlsSessionOf(call);
    if (reached === undefined) return undefined;
    let facts = this.bySession.get(reached.session);
    if (facts === undefined) {
      const cert = reached.socket.authorized ? reached.socket.getPeerX509Certificate() : undefined;
      facts = cert === undefined ? {} : this.factsOf(cert);
      this.bySession.set(reached.session, facts);
    }
    return facts;
  }

  /** Facts of the peer certificate grpc-js reports for the call (Node's legacy certificate object). */
  private authContextFacts(call: SurfaceCall): PeerFacts {
    const peer = call.getAuthContext()?.sslPeerCertificate;
    if (peer === undefined || peer.raw === undefined) return {};
    let facts = this.byFingerprint.get(peer.fingerprint256);
    if (facts === undefined) {
      facts = this.parse(peer.raw);
      if (this.byFingerprint.size >= MAX_CACHED) this.byFingerprint.clear();
      this.byFingerprint.set(peer.fingerprint256, facts);
    }
    return facts;
  }

  private parse(der: Buffer): PeerFacts {
    try {
      return this.factsOf(new X509Certificate(der));
    } catch {
      return {};
    }
  }

  private factsOf(cert: X509Certificate): PeerFacts {
    if (cert.ca) return {};
    const uris = (cert.subjectAltName ?? '')
      .split(', ')
      .filter((san) => san.startsWith('URI:'))
      .map((san) => san.slice(4));
    if (uris.length !== 1) return {};
    try {
      const parsed = parseSpiffeId(uris[0]);
      if (parsed.trustDomain !== this.trustDomain || parsed.path === '') return {};
    } catch {
      return {};
    }
    return {
      spiffeId: uris[0],
      certSerial: BigInt(`0x${cert.serialNumber}`).toString(10),
      certNotAfter: Math.floor(Date.parse(cert.validTo) / 1000),
    };
  }
}
