import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { FailedPreconditionError, InternalError } from '@lanyard/base';

/** One line of `/proc/<pid>/cgroup`: `hierarchy-id:controllers:path` (cgroup v2 is `0::<path>`). */
export interface CgroupEntry {
  readonly hierarchyId: number;
  /** Comma-separated controllers as written (`cpu,cpuacct`, `name=systemd`, empty for cgroup v2). */
  readonly controllers: string;
  readonly path: string;
}

/**
 * Parses the text of `/proc/<pid>/cgroup` (cgroup v1 lines and the v2 `0::path` line), skipping blank lines.
 * `plugin` prefixes error messages (`docker: …`).
 * @throws InternalError (`ERR_CGROUP_MALFORMED`) naming the file and line of a malformed entry.
 */
export function parseCgroupEntries(text: string, file: string, plugin: string): CgroupEntry[] {
  const entries: CgroupEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const first = line.indexOf(':');
    const second = first < 0 ? -1 : line.indexOf(':', first + 1);
    if (second < 0 || !/^\d+$/.test(line.slice(0, first))) {
      throw new InternalError(
        `${plugin}: malformed cgroup entry in ${file} line ${i + 1}: expected "hierarchy-id:controllers:path"`,
        'ERR_CGROUP_MALFORMED',
      );
    }
    entries.push({
      hierarchyId: Number(line.slice(0, first)),
      controllers: line.slice(first + 1, second),
      path: line.slice(second + 1),
    });
  }
  return entries;
}

/** The path of a process's cgroup file under a proc root: `<procRoot>/<pid>/cgroup`. */
export function procCgroupFile(procRoot: string, pid: number): string {
  return path.join(procRoot, String(pid), 'cgroup');
}

/**
 * Reads `<procRoot>/<pid>/cgroup`. `when` says in errors whether the process was gone `before` attestation
 * started or `during` it (a re-read to detect pid reuse).
 * @throws FailedPreconditionError (`ERR_PROCESS_GONE`) when the process no longer exists; InternalError
 *   (`ERR_CGROUP_READ`) for any other read failure.
 */
export async function readProcCgroup(
  procRoot: string,
  pid: number,
  plugin: string,
  when: 'before' | 'during' = 'before',
): Promise<string> {
  const file = procCgroupFile(procRoot, pid);
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') {
      throw new FailedPreconditionError(
        `${plugin}: process ${pid} exited ${when} attestation`,
        'ERR_PROCESS_GONE',
      );
    }
    throw new InternalError(
      `${plugin}: unable to read ${file}: ${(error as Error).message}`,
      'ERR_CGROUP_READ',
    );
  }
}

/**
 * Re-reads `<procRoot>/<pid>/cgroup` at the end of an attestation and checks it still reads `before`, so that
 * selectors are never given to a process that took over the pid of one that exited meanwhile.
 * @throws FailedPreconditionError (`ERR_PROCESS_GONE`) when the process exited or its cgroups changed.
 */
export async function assertCgroupUnchanged(
  procRoot: string,
  pid: number,
  plugin: string,
  before: string,
): Promise<void> {
  if ((await readProcCgroup(procRoot, pid, plugin, 'during')) !== before) {
    throw new FailedPreconditionError(
      `${plugin}: process ${pid} changed cgroups during attestation (it exited and its pid was reused)`,
      'ERR_PROCESS_GONE',
    );
  }
}
