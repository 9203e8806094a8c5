/** Envoy SDS v3 served on the Workload API socket. */
export { registerSdsService, createSdsHandlers, type SdsDeps } from './service';
export { DEFAULT_SDS_OPTIONS, type SdsOptions } from './options';
export { SPIFFE_VALIDATOR_NAME } from './secrets';
export { DISABLE_SPIFFE_CERT_VALIDATION_KEY } from './node';
