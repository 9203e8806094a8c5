import type { AddressInfo } from 'node:net';
import type * as tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import type { SpiffeId } from '../id';
import type { Authorizer } from './authorizer';
import type { CallWithAuthContext } from './grpc';
import { peerSpiffeId } from './peer';
import { createSpiffeTlsServer } from './server';
import type { TlsSource } from './source';

/** Options of {@link listenSpiffeGrpc}. */
export interface SpiffeGrpcListenOptions {
  /** Every connecting client must present an SVID this authorizer accepts. */
  readonly authorizer: Authorizer;
  /** Default `127.0.0.1`. */
  readonly host?: string;
  /** Default 0 (ephemeral). */
  readonly port?: number;
  /** Told about refused clients. */
  readonly onError?: (err: Error) => void;
}

/** A TLS listener feeding a grpc-js server. */
export interface SpiffeGrpcListener {
  /** The bound port. */
  readonly port: number;
  /**
   * The verified SPIFFE ID of the caller of a call that came through this listener, or `undefined` if it did
   * not (e.g. a call on another port of the same grpc-js server).
   */
  callerId(call: CallWithAuthContext): SpiffeId | undefined;
  /** Stops accepting, drops injected connections. */
  close(): Promise<void>;
}

/** Verified client IDs by leaf certificate DER (base64), counted per open connection. */
type VerifiedLeaves = Map<string, { id: SpiffeId; connections: number }>;

function remember(verifiedLeaves: VerifiedLeaves, socket: tls.TLSSocket, id: SpiffeId): void {
  const key = socket.getPeerCertificate().raw.toString('base64');
  const entry = verifiedLeaves.get(key) ?? { id, connections: 0 };
  entry.connections++;
  verifiedLeaves.set(key, entry);
  socket.once('close', () => {
    if (--entry.connections === 0) verifiedLeaves.delete(key);
  });
}

/**
 * Serves a grpc-js server over a `createSpiffeTlsServer` listener: each TLS connection is verified against the
 * client's own trust domain with its **full presented chain** (intermediates included), authorized, and only
 * then handed to grpc-js through `server.createConnectionInjector`. SVID and bundle rotations apply to new
 * handshakes without rebinding. Read the caller's ID in handlers with `listener.callerId(call)`.
 */
export async function listenSpiffeGrpc(
  server: grpc.Server,
  source: TlsSource,
  options: SpiffeGrpcListenOptions,
): Promise<SpiffeGrpcListener> {
  const verifiedLeaves: VerifiedLeaves = new Map();
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const tlsServer = createSpiffeTlsServer(
    source,
    { authorizer: options.authorizer, onError: options.onError, tlsOptions: { ALPNProtocols: ['h2'] } },
    (socket) => {
      const id = peerSpiffeId(socket);
      if (!id) return socket.destroy();
      remember(verifiedLeaves, socket, id);
      injector.injectConnection(socket);
    },
  );
  await new Promise<void>((resolve, reject) => {
    tlsServer.once('error', reject);
    tlsServer.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      tlsServer.off('error', reject);
      resolve();
    });
  });
  return {
    port: (tlsServer.address() as AddressInfo).port,
    callerId: (call) => {
      const raw = call.getAuthContext().sslPeerCertificate?.raw;
      return raw ? verifiedLeaves.get(raw.toString('base64'))?.id : undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        injector.destroy();
        tlsServer.close(() => resolve());
      }),
  };
}
