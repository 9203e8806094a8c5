/** The SPIFFE Workload API server of the agent. */
export { WorkloadApiServer, type WorkloadApiServerOptions } from './server';
export { PeerCredentialSocket, type PeerCredentialSocketOptions } from './peer-socket';
export {
  JwtSvidService,
  type JwtSvidMinter,
  type JwtSvidMintRequest,
  type MintedJwtSvid,
} from './jwt-svid-service';
export { DEFAULT_SOCKET_PATH, createSocketDir, listenUnix, prepareSocketPath } from './socket';
export { SECURITY_HEADER, CallerResolver, type AttestedCaller } from './caller';
export { ConnectionRegistry, type WorkloadConnection } from './connections';
export { readPeerCred, PEERCRED_ADDON_PATH, type PeerCred } from '@lanyard/peercred';
export { readProcessStartTime, parseStartTime } from './process-start';
export { WorkloadAttestation, type WorkloadAttestationOptions } from './attestation';
export { validateJwtSvid } from './validate-jwt';
