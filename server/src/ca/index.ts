/**
 * The server certificate authority: X.509-SVID / JWT-SVID issuance on a direct DER builder, key management
 * (disk / memory KeyManagers), an optional disk or nested-SPIRE UpstreamAuthority and SPIRE-style A/B rotation.
 */
export * from './types';
export { ServerCa } from './server-ca';
export { DiskKeyManager } from './keys/disk';
export { MemoryKeyManager } from './keys/memory';
export { parseKeyType, KEY_TYPES } from './keys/key-types';
export { parseAndVerifyCsr } from './csr';
export { JOURNAL_FILE } from './journal';
