import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Start time of a process in clock ticks since boot (field 22 of `/proc/<pid>/stat`), or undefined when the
 * process is gone. Together with the pid it names one process: a reused pid has a different start time.
 */
export function readProcessStartTime(pid: number, procRoot = '/proc'): bigint | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(path.join(procRoot, String(pid), 'stat'), 'latin1');
  } catch {
    return undefined;
  }
  return parseStartTime(stat);
}

/**
 * Parses the start time out of a `/proc/<pid>/stat` line. The command name (field 2) is in parentheses and may
 * itself contain spaces and `)`, so fields are counted from the last `)`.
 */
export function parseStartTime(stat: string): bigint | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  // After ") " come fields 3.. ; starttime is field 22, i.e. index 19 of the rest.
  const rest = stat
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  const value = rest[19];
  return value !== undefined && /^\d+$/.test(value) ? BigInt(value) : undefined;
}
