import * as fs from 'node:fs';
import * as path from 'node:path';
import { InternalError } from '@lanyard/base';

/** Identity fields of a process from `/proc/<pid>/status`. */
export interface ProcessIds {
  /** Real, effective, saved and filesystem UIDs, as listed. */
  readonly uids: readonly number[];
  readonly gids: readonly number[];
  /** Supplementary group IDs (`Groups:`), as decimal strings. */
  readonly groups: readonly string[];
}

function idList(line: string | undefined, field: string, pid: number): number[] {
  if (line === undefined) throw new InternalError(`${field} lookup: no ${field} line for process ${pid}`);
  const values = line
    .trim()
    .split(/\s+/)
    .filter((v) => v !== '');
  if (values.some((v) => !/^\d+$/.test(v))) {
    throw new InternalError(`${field} lookup: malformed ${field} line for process ${pid}`);
  }
  return values.map(Number);
}

/** Parses the text of `/proc/<pid>/status`. */
export function parseProcStatus(text: string, pid: number): ProcessIds {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return {
    uids: idList(fields.get('Uid'), 'Uid', pid),
    gids: idList(fields.get('Gid'), 'Gid', pid),
    groups: (fields.get('Groups') ?? '')
      .trim()
      .split(/\s+/)
      .filter((g) => /^\d+$/.test(g)),
  };
}

/**
 * Reads `/proc/<pid>/status`.
 * @throws InternalError when the process is gone or the file is malformed.
 */
export function readProcessIds(procRoot: string, pid: number): ProcessIds {
  let text: string;
  try {
    text = fs.readFileSync(path.join(procRoot, String(pid), 'status'), 'utf8');
  } catch (err) {
    throw new InternalError(`failed to get process ${pid}: ${(err as Error).message}`, 'ERR_PROC_STATUS');
  }
  return parseProcStatus(text, pid);
}

/** The effective ID when the kernel lists several (real, effective, …), else the only one. */
export function effectiveId(ids: readonly number[], field: string): number {
  if (ids.length === 0) throw new InternalError(`${field} lookup: no ${field}s for process`);
  return ids.length === 1 ? ids[0] : ids[1];
}
