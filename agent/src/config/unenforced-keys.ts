/**
 * The agent config keys Lanyard accepts but does not act on, in one table (each present key gives one start-up
 * warning, also printed by `validate`), and `require_pq_kem = true`, refused because it cannot be met.
 * Not listed: keys being implemented (`admin_socket_path`, `authorized_delegates`, `sds`, `disable_sds_api`).
 */
import {
  inertKeyWarnings,
  requirePqKemIssue,
  type ConfigIssue,
  type InertKey,
  type Position,
} from '@lanyard/common';
import type { AgentFile } from './schema';

const NO_PROFILING = 'Lanyard has no pprof profiling endpoint';

/** `agent {}` keys that are accepted so SPIRE configs load, but change nothing in Lanyard. */
export const AGENT_INERT_KEYS: readonly InertKey[] = [
  { path: ['agent', 'profiling_enabled'], instead: NO_PROFILING, when: (v) => v === true },
  { path: ['agent', 'profiling_port'], instead: NO_PROFILING },
  { path: ['agent', 'profiling_freq'], instead: NO_PROFILING },
  { path: ['agent', 'profiling_names'], instead: NO_PROFILING },
  {
    path: ['agent', 'experimental', 'use_sync_authorized_entries'],
    instead: 'the agent always uses SyncAuthorizedEntries',
    when: (v) => v === false,
  },
  {
    path: ['agent', 'experimental', 'jwt_svid_cache_hit_timeout'],
    instead: 'cached JWT-SVIDs are reused until half their lifetime, with no hit timeout',
  },
  {
    path: ['agent', 'experimental', 'admin_named_pipe_name'],
    instead: 'named pipes exist only on Windows',
  },
  { path: ['agent', 'experimental', 'feature_flags'], instead: 'Lanyard has no developer feature flags' },
  {
    path: ['agent', 'experimental', 'x509_svid_cache_max_size'],
    instead: 'set agent.x509_svid_cache_max_size instead',
  },
  {
    path: ['agent', 'experimental', 'disable_lru_cache'],
    instead: 'the X509-SVID cache is always bounded by x509_svid_cache_max_size',
  },
];

/** Warnings for the inert keys the decoded file sets. */
export function agentInertKeyWarnings(file: AgentFile): string[] {
  return inertKeyWarnings(file, AGENT_INERT_KEYS);
}

/** `experimental.require_pq_kem = true` cannot be met by Node's OpenSSL here and is refused. */
export function refusedAgentKeys(file: AgentFile, positions: ReadonlyMap<string, Position>): ConfigIssue[] {
  return file.agent?.experimental?.require_pq_kem === true
    ? [requirePqKemIssue(positions, ['agent', 'experimental', 'require_pq_kem'])]
    : [];
}
