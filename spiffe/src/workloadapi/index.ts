/** SPIFFE Workload API client (SPIFFE.md §5–6): one-shot fetches, watches and always-current sources. */
export { WorkloadApiError, type WorkloadApiErrorCode } from '../errors/workload-api-error';
export { SPIFFE_ENDPOINT_SOCKET, resolveWorkloadApiTarget } from './address';
export { Backoff, type BackoffOptions } from '@lanyard/base';
export { WorkloadApiClient, WORKLOAD_API_HEADER, type WorkloadApiClientOptions } from './client';
export { workloadApiError } from './grpc-error';
export {
  type X509Context,
  parseX509SvidResponse,
  parseX509BundlesResponse,
  parseJwtBundlesResponse,
  parseJwtSvidResponse,
} from './parse';
export type { Watch, Watcher } from './watch';
export { WatchIterator, type WatchOptions } from './watch-iterator';
export type { WorkloadApiCallOptions } from './abort';
export { X509Source, type X509SourceOptions } from './x509-source';
export { JwtSource, type JwtSourceOptions } from './jwt-source';
