import * as fs from 'node:fs';
import type { PluginLogger } from '@lanyard/attestor-core';

/**
 * File descriptors the server holds besides agent connections: stdio, the datastore and its journal, the
 * listeners (TCP, admin socket, health, metrics), log and audit files, key files while they are read.
 */
export const SERVER_OWN_FILES = 64;

/**
 * The soft `Max open files` limit (`ulimit -n`, RLIMIT_NOFILE) of this process, read from the text of
 * `/proc/self/limits`; `undefined` when unlimited or when the file cannot be read (not Linux).
 * Node, unlike Go, does not raise the soft limit to the hard one at start.
 */
export function openFilesSoftLimit(
  readLimits: () => string = () => fs.readFileSync('/proc/self/limits', 'utf8'),
): number | undefined {
  let text: string;
  try {
    text = readLimits();
  } catch {
    return undefined;
  }
  const match = /^Max open files\s+(\d+|unlimited)\s/m.exec(text);
  if (match === null || match[1] === 'unlimited') return undefined;
  return Number(match[1]);
}

/**
 * Logs a warning when the soft open-file limit cannot hold `maxConnections` agent connections plus
 * {@link SERVER_OWN_FILES}: past it, accepting a connection fails with EMFILE and the agent sees its connection
 * reset. Returns whether it warned.
 */
export function warnIfOpenFilesTooFew(
  maxConnections: number,
  logger: PluginLogger,
  softLimit: number | undefined = openFilesSoftLimit(),
): boolean {
  const needed = maxConnections + SERVER_OWN_FILES;
  if (softLimit === undefined || softLimit >= needed) return false;
  logger.warn(
    'The open file limit is below what lanyard_limits.max_connections needs; connections past it fail. ' +
      'Raise it (ulimit -n, systemd LimitNOFILE=) or lower max_connections',
    { open_files_soft_limit: softLimit, max_connections: maxConnections, needed },
  );
  return true;
}
