/**
 * The agent's own metrics with SPIRE's names (`spire_agent_*`, SPIRE-COMPAT.md §10) over the shared Prometheus
 * registry: timed calls (`<key>{status}` counter + `<key>_elapsed_time` summary in ms), cache sizes and uptime.
 */
import { codeName, statusOf } from '@lanyard/base/grpc';
import { metricSnakeCase, type Labels, type Metrics } from '@lanyard/common';

/** Metric keys of the agent (prefix `spire_agent` added by the registry). */
export const AGENT_METRIC_KEYS = {
  /** Entries and bundles fetched from the server in one sync. */
  syncEntries: ['manager', 'sync', 'fetch_entries_updates'],
  /** Workload X509-SVIDs signed in one sync. */
  syncSvids: ['manager', 'sync', 'fetch_svids_updates'],
  /** Renewal (or re-attestation) of the agent's own SVID. */
  agentSvidRotate: ['agent_svid', 'rotate'],
  /** Node attestation for a new agent SVID (start and re-attestation). */
  nodeAttest: ['node', 'attestor', 'new_svid'],
  /** SVIDs due for renewal found by a sync (summary). */
  expiringSvids: ['cache_manager', 'expiring_svids'],
  /** Cached entries (gauge, `svid_type`). */
  recordMapSize: ['lru_cache_record_map_size'],
  /** Cached X509-SVIDs (gauge, `svid_type`). */
  svidMapSize: ['lru_cache_svid_map_size'],
  /** Entries added to the cache by a sync (counter). */
  entryAdded: ['lru_cache_entry_add'],
  /** Cached entries changed by a sync (counter). */
  entryUpdated: ['lru_cache_entry_update'],
  /** Entries removed from the cache by a sync (counter). */
  entryRemoved: ['lru_cache_entry_remove'],
  /** Cached JWT-SVIDs (gauge). */
  jwtSvidCacheSize: ['jwt_svid_cache_size'],
  /** Attestation of one Workload API caller (all attestors). */
  workloadAttestation: ['workload_api', 'workload_attestation'],
  /** One workload attestor on one caller (label `attestor`). */
  workloadAttestor: ['workload_api', 'workload_attestor'],
  /** Accepted connections on the Workload API socket (counter). */
  workloadConnection: ['workload_api', 'connection'],
  /** Open connections on the Workload API socket (gauge). */
  workloadConnections: ['workload_api', 'connections'],
  /** Envoy SDS calls started (counter; SPIRE counts each SDS RPC as a connection). */
  sdsConnection: ['sds_api', 'connection'],
  /** Envoy SDS calls in progress (gauge). */
  sdsConnections: ['sds_api', 'connections'],
  started: ['started'],
  uptime: ['uptime_in_ms'],
} as const;

/** Sizes of the agent's caches after a sync. */
export interface CacheSizes {
  readonly entries: number;
  readonly x509Svids: number;
  readonly jwtSvids: number;
}

/** Metric keys by gRPC method path (a handful of methods): computed once, not on every Workload API call. */
const WORKLOAD_API_KEYS = new Map<string, readonly string[]>();

/** Records the agent's metrics; one instance per agent, shared by its parts. */
export class AgentTelemetry {
  constructor(
    readonly metrics: Metrics,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** Runs `call`, recording `key{status}` and its elapsed time; the status is the gRPC code name of a failure. */
  async measure<T>(key: readonly string[], call: () => Promise<T>, labels: Labels = {}): Promise<T> {
    const started = this.clock();
    try {
      const value = await call();
      this.metrics.measureCall(key, 'OK', this.clock() - started, labels);
      return value;
    } catch (err) {
      this.metrics.measureCall(key, codeName(statusOf(err)), this.clock() - started, labels);
      throw err;
    }
  }

  /** A recorder for a call whose end is signalled later (streams); only the first end counts. */
  startCall(key: readonly string[]): (status: string) => void {
    const started = this.clock();
    let ended = false;
    return (status) => {
      if (ended) return;
      ended = true;
      this.metrics.measureCall(key, status, this.clock() - started);
    };
  }

  /** `spire_agent_rpc_workload_api_<method>` key of a Workload API path (`/SpiffeWorkloadAPI/FetchX509SVID`). */
  static workloadApiKey(path: string): readonly string[] {
    let key = WORKLOAD_API_KEYS.get(path);
    if (key === undefined) {
      key = ['rpc', 'workload_api', metricSnakeCase(path.slice(path.lastIndexOf('/') + 1))];
      WORKLOAD_API_KEYS.set(path, key);
    }
    return key;
  }

  /** Sets the cache size gauges (SPIRE's LRU cache names, `svid_type="x509"`). */
  cacheSizes(sizes: CacheSizes): void {
    const x509 = { svid_type: 'x509' };
    this.metrics.setGauge(AGENT_METRIC_KEYS.recordMapSize, sizes.entries, x509);
    this.metrics.setGauge(AGENT_METRIC_KEYS.svidMapSize, sizes.x509Svids, x509);
    this.metrics.setGauge(AGENT_METRIC_KEYS.jwtSvidCacheSize, sizes.jwtSvids);
  }

  /** Counts the entries a sync added to, changed in and removed from the cache (SPIRE's LRU cache counters). */
  entryChanges(changes: { added: number; updated: number; removed: number }): void {
    if (changes.added > 0) this.metrics.incrCounter(AGENT_METRIC_KEYS.entryAdded, {}, changes.added);
    if (changes.updated > 0) this.metrics.incrCounter(AGENT_METRIC_KEYS.entryUpdated, {}, changes.updated);
    if (changes.removed > 0) this.metrics.incrCounter(AGENT_METRIC_KEYS.entryRemoved, {}, changes.removed);
  }

  /** Adds the number of SVIDs a sync found due for renewal. */
  expiringSvids(count: number): void {
    this.metrics.addSample(AGENT_METRIC_KEYS.expiringSvids, count);
  }

  /** Records a Workload API socket connection opening (`opened`) or closing, with the number now open. */
  workloadConnections(open: number, opened: boolean): void {
    if (opened) this.metrics.incrCounter(AGENT_METRIC_KEYS.workloadConnection);
    this.metrics.setGauge(AGENT_METRIC_KEYS.workloadConnections, open);
  }

  /** Records an SDS call starting (`opened`) or ending, with the number now in progress. */
  sdsConnections(open: number, opened: boolean): void {
    if (opened) this.metrics.incrCounter(AGENT_METRIC_KEYS.sdsConnection);
    this.metrics.setGauge(AGENT_METRIC_KEYS.sdsConnections, open);
  }

  /** Sets `spire_agent_uptime_in_ms`. */
  uptime(ms: number): void {
    this.metrics.setGauge(AGENT_METRIC_KEYS.uptime, ms);
  }
}
