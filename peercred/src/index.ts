/**
 * @lanyard/peercred: the kernel's record of who is at the other end of an accepted Unix socket connection
 * (SO_PEERCRED), read by a tiny N-API addon built at install time with node-gyp. grpc-js does not expose Unix
 * peer credentials, so the agent's Workload API and the server's admin socket accept connections themselves,
 * read the credentials here, then hand the socket to grpc-js.
 */
export { readPeerCred, PEERCRED_ADDON_PATH, type PeerCred } from './peercred';
