/** The SPIFFE Workload API server of the agent. */
export { WorkloadApiServer, type WorkloadApiServerOptions } from './server';
export type { JwtSvidMinter, JwtSvidMintRequest, MintedJwtSvid } from './jwt-svid-service';
export { DEFAULT_SOCKET_PATH } from './socket';
export { SECURITY_HEADER } from './caller';
export { readPeerCred, PEERCRED_ADDON_PATH, type PeerCred } from '@lanyard/peercred';
export { readProcessStartTime, parseStartTime } from './process-start';
export { WorkloadAttestation, type WorkloadAttestationOptions } from './attestation';
export { validateJwtSvid } from './validate-jwt';
