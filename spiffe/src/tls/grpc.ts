import { X509Certificate } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { AuthorizationError } from '../errors/authorization-error';
import type { SpiffeId } from '../id';
import type { Authorizer } from './authorizer';
import { spiffeServerIdentityCheck } from './client';
import { svidCredentials } from './context';
import { verifyPeer } from './peer';
import { pooledRoots, type TlsSource } from './source';

type CaListener = grpc.experimental.CaCertificateUpdateListener;
type IdentityListener = grpc.experimental.IdentityCertificateUpdateListener;

/**
 * A grpc-js certificate provider fed by a {@link TlsSource}: hands grpc-js the current SVID (identity) and the
 * pooled roots (CA) and pushes new ones on every source update, so channels and servers rotate without being
 * recreated. Subscribes to the source only while grpc-js holds listeners. The first update of a new listener
 * is delivered on a microtask: grpc-js registers its server watcher only after adding the listener.
 */
export class SpiffeCertificateProvider implements grpc.experimental.CertificateProvider {
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly source: TlsSource) {}

  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    this.subscribe();
    queueMicrotask(() => {
      if (this.caListeners.has(listener)) listener(this.caUpdate());
    });
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
    this.maybeUnsubscribe();
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    this.subscribe();
    queueMicrotask(() => {
      if (this.identityListeners.has(listener)) listener(this.identityUpdate());
    });
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
    this.maybeUnsubscribe();
  }

  private caUpdate(): grpc.experimental.CaCertificateUpdate {
    return {
      caCertificate: Buffer.from(
        pooledRoots(this.source)
          .map((c) => c.toString())
          .join(''),
      ),
    };
  }

  private identityUpdate(): grpc.experimental.IdentityCertificateUpdate {
    const { cert, key } = svidCredentials(this.source.getX509Svid());
    return { certificate: Buffer.from(cert), privateKey: Buffer.from(key) };
  }

  private subscribe(): void {
    if (this.unsubscribe || !this.source.onUpdate) return;
    this.unsubscribe = this.source.onUpdate(() => {
      for (const listener of [...this.caListeners]) listener(this.caUpdate());
      for (const listener of [...this.identityListeners]) listener(this.identityUpdate());
    });
  }

  private maybeUnsubscribe(): void {
    if (this.caListeners.size > 0 || this.identityListeners.size > 0) return;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}

/**
 * grpc-js channel credentials for mTLS to a SPIFFE server: present the current SVID, trust the current bundles
 * and authorize the server by SPIFFE ID (host names are not checked). Rotations reach new connections of the
 * same channel through {@link SpiffeCertificateProvider}.
 */
export function spiffeGrpcChannelCredentials(
  source: TlsSource,
  authorizer: Authorizer,
): grpc.ChannelCredentials {
  const provider = new SpiffeCertificateProvider(source);
  return grpc.experimental.createCertificateProviderChannelCredentials(provider, provider, {
    checkServerIdentity: spiffeServerIdentityCheck(source, authorizer),
  });
}

/**
 * grpc-js server credentials presenting the current SVID and requiring client certificates that chain to the
 * pooled roots. grpc-js swaps the server's SecureContext on every source update (no restart). grpc-js gives
 * handlers only the client's leaf, so authorize each call with {@link authorizeGrpcCall}.
 */
export function spiffeGrpcServerCredentials(source: TlsSource): grpc.ServerCredentials {
  const provider = new SpiffeCertificateProvider(source);
  return grpc.experimental.createCertificateProviderServerCredentials(provider, provider, true);
}

/** A server call of any kind (they all expose the TLS auth context). */
export interface CallWithAuthContext {
  getAuthContext(): { sslPeerCertificate?: { raw: Buffer } };
}

/**
 * Authenticates and authorizes the client of a grpc-js call served with {@link spiffeGrpcServerCredentials}:
 * its leaf SVID must verify against **its own trust domain's** roots, then `authorizer` decides. Because
 * grpc-js does not expose the client's intermediates to handlers, a client whose SVID is issued by an
 * intermediate CA is refused here; serve such clients through `listenSpiffeGrpc`, which sees full chains.
 * @throws X509SvidError (UNAUTHENTICATED) or AuthorizationError (both carry the gRPC status to answer with).
 */
export function authorizeGrpcCall(
  call: CallWithAuthContext,
  source: TlsSource,
  authorizer: Authorizer,
): SpiffeId {
  const raw = call.getAuthContext().sslPeerCertificate?.raw;
  if (!raw)
    throw new AuthorizationError(
      'ERR_PEER_NO_CERTIFICATE',
      'caller presented no verified client certificate',
    );
  return verifyPeer([new X509Certificate(raw)], source, authorizer);
}
