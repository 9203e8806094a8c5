import * as path from 'node:path';
import type * as net from 'node:net';
import { InternalError } from '@lanyard/base';

/** Credentials of the process at the other end of a Unix socket, as the kernel recorded them at connect. */
export interface PeerCred {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

interface PeercredAddon {
  getPeerCred(fd: number): PeerCred;
}

/** Where `node-gyp rebuild` (the package's install script) puts the addon; same relative path from `src/` and `dist/`. */
export const PEERCRED_ADDON_PATH = path.join(__dirname, '..', 'build', 'Release', 'peercred.node');

let addon: PeercredAddon | undefined;

function loadAddon(): PeercredAddon {
  if (addon) return addon;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    addon = require(PEERCRED_ADDON_PATH) as PeercredAddon;
  } catch (err) {
    throw new InternalError(
      `peer credential addon not found at ${PEERCRED_ADDON_PATH}: build it with ` +
        '`npm rebuild @lanyard/peercred` (needs a C toolchain and python3 for node-gyp)',
      'ERR_PEERCRED_ADDON',
      { cause: err },
    );
  }
  return addon;
}

/** The file descriptor of a connected net.Socket (Unix only; undefined once closed). */
function socketFd(socket: net.Socket): number | undefined {
  const handle = (socket as unknown as { _handle?: { fd?: number } })._handle;
  return typeof handle?.fd === 'number' && handle.fd >= 0 ? handle.fd : undefined;
}

/**
 * Reads SO_PEERCRED of an accepted Unix socket connection.
 * @throws InternalError when the addon is missing, the socket has no descriptor, or getsockopt fails.
 */
export function readPeerCred(socket: net.Socket): PeerCred {
  const fd = socketFd(socket);
  if (fd === undefined) throw new InternalError('unix connection has no file descriptor', 'ERR_PEERCRED');
  try {
    return loadAddon().getPeerCred(fd);
  } catch (err) {
    if (err instanceof InternalError) throw err;
    throw new InternalError('cannot read peer credentials of the unix connection', 'ERR_PEERCRED', {
      cause: err,
    });
  }
}
