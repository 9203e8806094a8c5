/**
 * @lanyard/attestor-x509pop: the `x509pop` node attestor (X.509 proof of possession). The agent sends its
 * certificate chain and signs the server's nonce with the leaf's key; the server verifies the chain against its
 * CA bundle (or its own trust bundle in `spiffe` mode) and issues `spiffe://<td>/spire/agent/x509pop/<fingerprint>`.
 */
export * from './shared';
export * from './server';
export * from './agent';
export * from './challenge';
export * from './node-identity';
export * from './server-config';
