import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { FailedPreconditionError, InvalidArgumentError } from '@lanyard/base';

/** Default Workload API socket of SPIRE agents. */
export const DEFAULT_SOCKET_PATH = '/tmp/spire-agent/public/api.sock';

/** True when something accepts connections on the Unix socket at `socketPath`. */
function isListening(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/**
 * Prepares `socketPath` for listening: creates the parent directory (0755), removes a stale socket file left by a
 * previous run. Refuses to remove anything that is not a socket, or a socket another process still serves.
 * @throws InvalidArgumentError when the path holds a non-socket file; FailedPreconditionError when it is in use.
 */
export async function prepareSocketPath(socketPath: string): Promise<void> {
  if (!path.isAbsolute(socketPath)) {
    throw new InvalidArgumentError(`socket_path "${socketPath}" must be an absolute path`, 'ERR_SOCKET_PATH');
  }
  fs.mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o755 });
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(socketPath);
  } catch {
    return;
  }
  if (!stat.isSocket()) {
    throw new InvalidArgumentError(
      `socket_path "${socketPath}" exists and is not a socket`,
      'ERR_SOCKET_PATH',
    );
  }
  if (await isListening(socketPath)) {
    throw new FailedPreconditionError(
      `socket_path "${socketPath}" is in use by another process`,
      'ERR_SOCKET_IN_USE',
    );
  }
  fs.unlinkSync(socketPath);
}

/**
 * Creates a socket's parent directory with mode 0755 regardless of the umask (`run` tightens the umask to 0027,
 * which would otherwise lock other users out of a world-connectable socket), as SPIRE does. Directories that
 * exist already are left as they are.
 */
export function createSocketDir(socketPath: string): void {
  const dir = path.dirname(socketPath);
  const first = fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  if (first === undefined) return;
  for (let d = dir; d.length >= first.length; d = path.dirname(d)) fs.chmodSync(d, 0o755);
}

/**
 * Starts listening on a prepared path and sets the socket's mode: world-connectable (0777) for the Workload
 * API, as SPIRE does; the admin socket passes 0770.
 */
export function listenUnix(server: net.Server, socketPath: string, mode = 0o777): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(socketPath, () => {
      server.off('error', onError);
      fs.chmodSync(socketPath, mode);
      resolve();
    });
  });
}
