/**
 * @lanyard/base: what every Lanyard package builds on. It has no runtime dependencies, so the SPIFFE library can
 * use it without loading gRPC.
 */
export * from './status';
export * from './errors';
