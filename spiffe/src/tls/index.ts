/** TLS helpers for Node: SVID-presenting servers and clients that verify and authorize peers by SPIFFE ID. */
export { AuthorizationError, type AuthorizationErrorCode } from '../errors/authorization-error';
export {
  type Authorizer,
  authorizeAny,
  authorizeId,
  authorizeOneOf,
  authorizeMemberOf,
  authorizeIf,
} from './authorizer';
export { type TlsSource, type TlsBundleSource, staticTlsSource, pooledRoots } from './source';
export { svidCredentials, identityContextOptions, trustContextOptions } from './context';
export { peerChain, verifyPeer, verifyTlsPeer, peerSpiffeId } from './peer';
export {
  type SpiffeTlsServerOptions,
  spiffeTlsServerOptions,
  attachSpiffeTls,
  createSpiffeTlsServer,
} from './server';
export { spiffeServerIdentityCheck, spiffeMtlsClientOptions, spiffeTlsClientOptions } from './client';
export {
  SpiffeCertificateProvider,
  spiffeGrpcChannelCredentials,
  spiffeGrpcServerCredentials,
  authorizeGrpcCall,
  type CallWithAuthContext,
} from './grpc';
export { listenSpiffeGrpc, type SpiffeGrpcListenOptions, type SpiffeGrpcListener } from './grpc-listener';
