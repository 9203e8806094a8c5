/** The SPIFFE library's errors, one class per failure, each with a typed `code` and the gRPC status it maps to. */
export * from './spiffe-error';
export * from './spiffe-id-error';
export * from './x509-svid-error';
export * from './jwt-svid-error';
export * from './bundle-error';
export * from './workload-api-error';
export * from './authorization-error';
export * from './managed-workload-error';
