import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as net from 'node:net';
import { readPeerCred } from '@lanyard/peercred';

/** The process behind an admin socket connection, as SPIRE's audit log names it. */
export interface AdminPeer {
  /** `caller_uid`: user ID of the connecting process (SO_PEERCRED). */
  readonly uid: number;
  /** `caller_gid`: its group ID. */
  readonly gid: number;
  /** `caller_path`: its binary (`/proc/<pid>/exe`); undefined when unreadable (process gone, no permission). */
  readonly path?: string;
}

const PEER_PREFIX = 'lanyard-admin:';

/** The target of `/proc/<pid>/exe`, or undefined when it cannot be read. */
function binaryPath(pid: number, procRoot: string): string | undefined {
  try {
    return fs.readlinkSync(path.join(procRoot, String(pid), 'exe'));
  } catch {
    return undefined;
  }
}

/**
 * Remembers who is behind each accepted admin socket connection. grpc-js does not expose Unix peer
 * credentials, so every socket gets a unique `remoteAddress` token before it is handed to grpc-js; the call's
 * `getPeer()` is turned back into the peer with {@link get}.
 */
export class AdminPeerRegistry {
  private readonly peers = new Map<string, AdminPeer>();
  private next = 0;

  constructor(private readonly procRoot = '/proc') {}

  /**
   * Reads the socket's peer credentials and the caller's binary path, tags the socket, and forgets the peer
   * when the socket closes.
   * @throws InternalError when the credentials cannot be read.
   */
  register(socket: net.Socket): AdminPeer {
    const cred = readPeerCred(socket);
    const exe = binaryPath(cred.pid, this.procRoot);
    const peer: AdminPeer =
      exe === undefined ? { uid: cred.uid, gid: cred.gid } : { uid: cred.uid, gid: cred.gid, path: exe };
    const id = `${PEER_PREFIX}${++this.next}`;
    Object.defineProperty(socket, 'remoteAddress', { value: id, configurable: true });
    this.peers.set(id, peer);
    socket.once('close', () => this.peers.delete(id));
    return peer;
  }

  /** The peer of a grpc-js call (`call.getPeer()`), if its connection is known and still open. */
  get(peer: string): AdminPeer | undefined {
    return this.peers.get(peer);
  }
}
