import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate, PeerCertificate, TLSSocket } from 'node:tls';
import { LanyardError } from '@lanyard/base';
import { AuthorizationError } from '../errors/authorization-error';
import type { SpiffeId } from '../id';
import type { X509BundleSource } from '../bundle';
import { verifyX509Svid } from '../x509';
import type { Authorizer } from './authorizer';

const verifiedPeers = new WeakMap<TLSSocket, SpiffeId>();

/**
 * The chain a TLS peer presented, leaf first, from Node's detailed peer certificate (the `issuerCertificate`
 * links). Stops at a self-issued certificate or a loop. Returns `[]` if there is no certificate.
 */
export function peerChain(cert: PeerCertificate | DetailedPeerCertificate | undefined): X509Certificate[] {
  const chain: X509Certificate[] = [];
  const seen = new Set<PeerCertificate>();
  let current: PeerCertificate | undefined = cert;
  while (current && current.raw && !seen.has(current) && chain.length < 16) {
    seen.add(current);
    chain.push(new X509Certificate(current.raw));
    const issuer: DetailedPeerCertificate | undefined = (current as DetailedPeerCertificate)
      .issuerCertificate;
    current = issuer && issuer !== current && !issuer.raw.equals(current.raw) ? issuer : undefined;
  }
  return chain;
}

/**
 * Authenticates a peer's chain against the bundle of the **peer's own trust domain** (never a pooled set) and
 * authorizes its SPIFFE ID. Returns the ID.
 * @throws X509SvidError or AuthorizationError (`ERR_PEER_NO_CERTIFICATE`) if the chain does not verify; AuthorizationError (`ERR_PEER_UNAUTHORIZED`) if the authorizer refuses.
 */
export function verifyPeer(
  chain: readonly X509Certificate[],
  bundles: X509BundleSource,
  authorizer: Authorizer,
): SpiffeId {
  if (chain.length === 0)
    throw new AuthorizationError('ERR_PEER_NO_CERTIFICATE', 'peer presented no certificate');
  const { id } = verifyX509Svid(chain, bundles);
  authorizer(id);
  return id;
}

/**
 * Verifies and authorizes the peer of a connected TLS socket and remembers the ID for {@link peerSpiffeId}.
 * @throws as {@link verifyPeer}.
 */
export function verifyTlsPeer(
  socket: TLSSocket,
  bundles: X509BundleSource,
  authorizer: Authorizer,
): SpiffeId {
  const id = verifyPeer(peerChain(socket.getPeerCertificate(true)), bundles, authorizer);
  verifiedPeers.set(socket, id);
  return id;
}

/** The SPIFFE ID a Lanyard TLS server verified for this connection, if any. */
export function peerSpiffeId(socket: TLSSocket): SpiffeId | undefined {
  return verifiedPeers.get(socket);
}

/** Wraps any failure as an Error suitable for Node's `checkServerIdentity` (which expects an Error back). */
export function asTlsError(err: unknown): Error {
  return err instanceof LanyardError || err instanceof Error ? err : new Error(String(err));
}
