/**
 * Keys that a config file may set so SPIRE configs keep loading, but that Lanyard does not act on (yet). Each
 * process lists its own in one table; a key that is present (and, when the table says so, set to a value that
 * would matter) yields exactly one start-up warning naming it, and `validate` prints the same warnings.
 */
import { issueAt, type ConfigIssue } from './errors';
import { pathKey, type Position } from './tree';

/** One accepted-but-not-effective key: where it is, what Lanyard does instead, and when it matters. */
export interface InertKey {
  /** Key path in the decoded file, e.g. `['server', 'proxy_protocol_trusted_cidrs']`. */
  readonly path: readonly string[];
  /** What happens instead, lower case, e.g. `the PROXY protocol is not supported; peers are seen directly`. */
  readonly instead: string;
  /** Only warn for values for which the key would change behaviour (e.g. `false` for an always-on feature). */
  readonly when?: (value: unknown) => boolean;
}

function valueAt(file: unknown, path: readonly string[]): unknown {
  let node = file;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

/** The warning for one inert key: `<path> is accepted for SPIRE compatibility but has no effect in Lanyard: …`. */
export function inertKeyWarning(key: InertKey): string {
  return `${pathKey(key.path)} is accepted for SPIRE compatibility but has no effect in Lanyard: ${key.instead}`;
}

/** One warning per key of `keys` that the decoded `file` sets (see {@link InertKey.when}). */
export function inertKeyWarnings(file: unknown, keys: readonly InertKey[]): string[] {
  return keys
    .filter((key) => {
      const value = valueAt(file, key.path);
      return value !== undefined && (key.when === undefined || key.when(value));
    })
    .map(inertKeyWarning);
}

/**
 * The refusal of `require_pq_kem = true` (server and agent): Node's OpenSSL here offers no post-quantum key
 * exchange, so the requirement cannot be met and is not dropped silently.
 */
export function requirePqKemIssue(
  positions: ReadonlyMap<string, Position>,
  path: readonly string[],
): ConfigIssue {
  return issueAt(
    positions,
    path,
    `cannot be honoured: Node's OpenSSL ${process.versions.openssl} offers no post-quantum key exchange; set it to false or remove it`,
  );
}
