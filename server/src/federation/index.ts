/** SPIFFE federation, server side: the bundle endpoint we serve and the client refreshing foreign bundles. */
import type { BundleEndpointConfig, FederatesWithConfig } from '../config/types';
import type { FetchBundleLimits } from './fetch-bundle';
import type { RefreshBounds } from './refresh-schedule';

export { BundleEndpointServer, type BundleEndpointServerOptions } from './bundle-endpoint';
export {
  fetchBundle,
  BundleFetchError,
  type FetchBundleRequest,
  type FetchBundleLimits,
} from './fetch-bundle';
export {
  FederationRefreshManager,
  DEFAULT_FETCH_LIMITS,
  type FederationRefreshOptions,
} from './refresh-manager';
export { DEFAULT_REFRESH_BOUNDS, type RefreshBounds } from './refresh-schedule';
export type { RefreshStatus } from './refresh-status';

/** `federation {}` as the server takes it, plus refresh client tuning (tests, benchmarks). */
export interface ServerFederationOptions {
  /** Serve our bundle here; unset = no bundle endpoint. */
  bundleEndpoint?: BundleEndpointConfig;
  /** Static relationships from the config file. */
  federatesWith?: FederatesWithConfig[];
  /** Fetch deadline, body bound and extra Web PKI roots; defaults in `DEFAULT_FETCH_LIMITS`. */
  limits?: Partial<FetchBundleLimits>;
  /** Schedule bounds; defaults in `DEFAULT_REFRESH_BOUNDS`. */
  bounds?: Partial<RefreshBounds>;
  /** How often relationships are re-read; default 10 s. */
  reconcileIntervalMs?: number;
}
