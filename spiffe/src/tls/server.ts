import * as tls from 'node:tls';
import type { LanyardError } from '@lanyard/base';
import type { Authorizer } from './authorizer';
import { identityContextOptions, trustContextOptions } from './context';
import { verifyTlsPeer } from './peer';
import type { TlsSource } from './source';

/** Options of {@link attachSpiffeTls} and {@link createSpiffeTlsServer}. */
export interface SpiffeTlsServerOptions {
  /** When set, clients must present an X.509-SVID that verifies and that this authorizer accepts (mTLS). */
  readonly authorizer?: Authorizer;
  /** Told about refused clients (their socket is destroyed) and failed context rebuilds. */
  readonly onError?: (err: LanyardError | Error) => void;
  /** Extra `tls.createServer` options (e.g. `ALPNProtocols`); certificate options are managed by the helper. */
  readonly tlsOptions?: tls.TlsOptions;
}

/**
 * `tls.createServer` / `https.createServer` options presenting `source`'s current SVID. With `mtls`, clients
 * must send a certificate chaining to one of the trusted roots (OpenSSL's first pass over the pooled roots);
 * {@link attachSpiffeTls} then checks it against the client's own trust domain and authorizes its ID.
 */
export function spiffeTlsServerOptions(source: TlsSource, options: { mtls?: boolean } = {}): tls.TlsOptions {
  const identity = identityContextOptions(source);
  if (!options.mtls) return identity;
  return { ...identity, ...trustContextOptions(source), requestCert: true, rejectUnauthorized: true };
}

/**
 * Keeps a `tls.Server` (or `https.Server`) presenting the current SVID and trusting the current bundles: on
 * every source update it installs a fresh SecureContext with `server.setSecureContext` (existing connections
 * keep theirs; the listener never restarts). With an authorizer, every new connection is verified against the
 * peer's trust domain bundle and authorized before any other `secureConnection` listener runs; refused sockets
 * are destroyed. Returns a function that detaches (also done when the server closes).
 */
export function attachSpiffeTls(
  server: tls.Server,
  source: TlsSource,
  options: SpiffeTlsServerOptions = {},
): () => void {
  const { authorizer, onError } = options;
  const refresh = () => {
    try {
      server.setSecureContext(spiffeTlsServerOptions(source, { mtls: authorizer !== undefined }));
    } catch (err) {
      onError?.(err as Error);
    }
  };
  const verify = (socket: tls.TLSSocket) => {
    if (!authorizer) return;
    try {
      verifyTlsPeer(socket, source, authorizer);
    } catch (err) {
      onError?.(err as Error);
      socket.destroy();
    }
  };
  if (authorizer) server.prependListener('secureConnection', verify);
  const unsubscribe = source.onUpdate?.(refresh) ?? (() => undefined);
  const detach = () => {
    unsubscribe();
    server.off('secureConnection', verify);
    server.off('close', detach);
  };
  server.on('close', detach);
  return detach;
}

/**
 * Creates a `tls.Server` that presents `source`'s SVID, follows its rotations and, with `options.authorizer`,
 * requires and authorizes client SVIDs (mTLS). Use `peerSpiffeId(socket)` in the listener to read the
 * client's verified ID.
 *
 * @example
 * ```ts
 * const server = createSpiffeTlsServer(source, { authorizer: authorizeId('spiffe://example.org/web') }, (socket) => {
 *   socket.end(`hello ${peerSpiffeId(socket)}`);
 * });
 * server.listen(8443);
 * ```
 */
export function createSpiffeTlsServer(
  source: TlsSource,
  options: SpiffeTlsServerOptions = {},
  secureConnectionListener?: (socket: tls.TLSSocket) => void,
): tls.Server {
  const server = tls.createServer({
    ...options.tlsOptions,
    ...spiffeTlsServerOptions(source, { mtls: options.authorizer !== undefined }),
  });
  attachSpiffeTls(server, source, options);
  if (secureConnectionListener) {
    server.on('secureConnection', (socket: tls.TLSSocket) => {
      if (!socket.destroyed) secureConnectionListener(socket);
    });
  }
  return server;
}
