import type { ConnectionOptions, DetailedPeerCertificate, PeerCertificate } from 'node:tls';
import type { X509BundleSource } from '../bundle';
import type { SpiffeId } from '../id';
import type { Authorizer } from './authorizer';
import { identityContextOptions, trustContextOptions } from './context';
import { asTlsError, peerChain, verifyPeer } from './peer';
import type { TlsBundleSource, TlsSource } from './source';

/**
 * A `checkServerIdentity` for `tls.connect`, `https.request` or grpc-js `VerifyOptions`: instead of matching
 * the host name, verifies the server's chain against the bundle of the **server's own trust domain** and runs
 * `authorizer` on its SPIFFE ID. `onVerified` receives the ID.
 */
export function spiffeServerIdentityCheck(
  bundles: X509BundleSource,
  authorizer: Authorizer,
  onVerified?: (id: SpiffeId) => void,
): (hostname: string, cert: PeerCertificate) => Error | undefined {
  return (_hostname, cert) => {
    try {
      const id = verifyPeer(peerChain(cert as DetailedPeerCertificate), bundles, authorizer);
      onVerified?.(id);
      return undefined;
    } catch (err) {
      return asTlsError(err);
    }
  };
}

/**
 * `tls.connect` / `https.request` options for mTLS: present `source`'s current SVID, trust its bundles and
 * authorize the server by SPIFFE ID. Options are a snapshot: build them per connection (cheap, PEM is cached
 * per SVID) so new connections pick up rotated SVIDs and bundles.
 *
 * @example
 * ```ts
 * const socket = tls.connect({ port, host: '127.0.0.1', ...spiffeMtlsClientOptions(source, authorizeId(serverId)) });
 * ```
 */
export function spiffeMtlsClientOptions(source: TlsSource, authorizer: Authorizer): ConnectionOptions {
  return {
    ...identityContextOptions(source),
    ...trustContextOptions(source),
    checkServerIdentity: spiffeServerIdentityCheck(source, authorizer),
    rejectUnauthorized: true,
  };
}

/** Like {@link spiffeMtlsClientOptions} but presents no client certificate (server-authenticated TLS). */
export function spiffeTlsClientOptions(bundles: TlsBundleSource, authorizer: Authorizer): ConnectionOptions {
  return {
    ...trustContextOptions(bundles),
    checkServerIdentity: spiffeServerIdentityCheck(bundles, authorizer),
    rejectUnauthorized: true,
  };
}
