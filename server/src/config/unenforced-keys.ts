/**
 * The server config keys Lanyard accepts but does not act on, in one table (each present key gives one start-up
 * warning, also printed by `validate`), and the keys it refuses outright because ignoring them would weaken a
 * policy the operator asked for.
 */
import {
  inertKeyWarnings,
  issueAt,
  requirePqKemIssue,
  type ConfigIssue,
  type InertKey,
  type Position,
} from '@lanyard/common';
import type { ServerFile } from './schema';

const NO_PROFILING = 'Lanyard has no pprof profiling endpoint';

/** `server {}` keys that are accepted so SPIRE configs load, but change nothing in Lanyard. */
export const SERVER_INERT_KEYS: readonly InertKey[] = [
  {
    path: ['server', 'max_attested_node_info_staleness'],
    instead: 'every agent call reads the attested node from the datastore, as with the default of 0',
  },
  {
    path: ['server', 'proxy_protocol_trusted_cidrs'],
    instead: 'the PROXY protocol is not supported; caller addresses are the TCP peers',
  },
  { path: ['server', 'profiling_enabled'], instead: NO_PROFILING, when: (v) => v === true },
  { path: ['server', 'profiling_port'], instead: NO_PROFILING },
  { path: ['server', 'profiling_freq'], instead: NO_PROFILING },
  { path: ['server', 'profiling_names'], instead: NO_PROFILING },
  {
    path: ['server', 'experimental', 'events_based_cache'],
    instead: 'the entry cache always follows the datastore event tables',
    when: (v) => v === false,
  },
  {
    path: ['server', 'experimental', 'named_pipe_name'],
    instead: 'named pipes exist only on Windows; the admin API is served on socket_path',
  },
  {
    path: ['server', 'experimental', 'feature_flags'],
    instead: 'Lanyard has no developer feature flags',
  },
];

/** Warnings for the inert keys the decoded file sets. */
export function serverInertKeyWarnings(file: ServerFile): string[] {
  return inertKeyWarnings(file, SERVER_INERT_KEYS);
}

/**
 * Keys whose settings Lanyard cannot honour and must not silently drop:
 * `experimental.auth_opa_policy_engine` (a custom authorization policy) and `experimental.require_pq_kem = true`
 * (Node's OpenSSL here has no post-quantum key exchange).
 */
export function refusedServerKeys(file: ServerFile, positions: ReadonlyMap<string, Position>): ConfigIssue[] {
  const experimental = file.server?.experimental;
  const issues: ConfigIssue[] = [];
  if (experimental?.auth_opa_policy_engine !== undefined) {
    issues.push(
      issueAt(
        positions,
        ['server', 'experimental', 'auth_opa_policy_engine'],
        "is not supported: Lanyard enforces SPIRE's default authorization policy only (local admin socket, admin_ids, admin entries, agents); remove the block",
      ),
    );
  }
  if (experimental?.require_pq_kem === true) {
    issues.push(requirePqKemIssue(positions, ['server', 'experimental', 'require_pq_kem']));
  }
  return issues;
}
