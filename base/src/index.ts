/**
 * @lanyard/base: what every Lanyard package builds on. Its root entry has no runtime dependencies (Node
 * built-ins only), so the SPIFFE library can use it without loading gRPC; the gRPC bridge lives at the
 * `@lanyard/base/grpc` subpath.
 */
export * from './status';
export * from './errors';
export * from './backoff';
export * from './duration';
export * from './fs/write-file-atomic';
export * from './fs/read-file-if-exists';
export * from './fs/private-dir';
export * as der from './der';
export * from './csr';
export * from './pem';
export * from './cms';
export * from './csr';
