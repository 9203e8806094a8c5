/**
 * Directories that hold a privileged Unix socket (the server admin API, the agent admin API): whoever can write
 * to the directory can replace the socket with their own and receive admin calls, so an existing directory must
 * be owned by this process's user (or root) and writable by nobody else.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FailedPreconditionError } from '../errors';

const octal = (mode: number): string => `0${(mode & 0o7777).toString(8)}`;

/**
 * Refuses a directory that another user owns or that its group or others may write.
 * @param what The setting that names the socket, for the message (e.g. `socket_path`).
 * @throws FailedPreconditionError naming the directory, its owner or mode, and the setting.
 */
export function assertPrivateDir(dir: string, what: string): void {
  const stat = fs.statSync(dir);
  if (!stat.isDirectory()) {
    throw new FailedPreconditionError(`${what}: ${dir} is not a directory`, 'ERR_SOCKET_DIR');
  }
  const uid = process.geteuid?.();
  if (uid !== undefined && stat.uid !== uid && stat.uid !== 0) {
    throw new FailedPreconditionError(
      `${what}: directory ${dir} is owned by uid ${stat.uid}, not by this process (uid ${uid}) or root; refusing to serve an admin socket there`,
      'ERR_SOCKET_DIR_OWNER',
    );
  }
  if ((stat.mode & 0o022) !== 0) {
    throw new FailedPreconditionError(
      `${what}: directory ${dir} has mode ${octal(stat.mode)}, writable by ${stat.mode & 0o002 ? 'others' : 'its group'}; refusing to serve an admin socket there (use a directory only its owner can write, e.g. 0750)`,
      'ERR_SOCKET_DIR_MODE',
    );
  }
}

/**
 * Makes the directory of an admin socket with exactly `mode` (newly created levels, whatever the umask), or
 * checks an existing one with {@link assertPrivateDir}.
 */
export function preparePrivateSocketDir(socketPath: string, what: string, mode = 0o750): void {
  const dir = path.dirname(path.resolve(socketPath));
  const first = fs.mkdirSync(dir, { recursive: true, mode });
  if (first !== undefined) {
    for (let d = dir; d.length >= first.length; d = path.dirname(d)) fs.chmodSync(d, mode);
  }
  assertPrivateDir(dir, what);
}
