/** SPIRE's server metrics beyond the per-RPC ones: datastore calls, CA manager, entry cache. */
export { withDatastoreMetrics } from './datastore-metrics';
export { countSignature, recordCaMetrics } from './ca-metrics';
export { entryCacheGauges } from './entry-cache-metrics';
