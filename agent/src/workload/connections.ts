import type * as net from 'node:net';
import { readPeerCred, type PeerCred } from '@lanyard/peercred';
import { readProcessStartTime } from './process-start';

/** A Workload API connection as accepted on the Unix socket: who connected, and which process that was. */
export interface WorkloadConnection {
  /** Our token for the connection, also its grpc-js peer string. */
  readonly id: string;
  readonly cred: PeerCred;
  /** Start time of the caller process when it connected (undefined if it was already gone). */
  readonly startTime: bigint | undefined;
}

const PEER_PREFIX = 'lanyard-workload:';

/**
 * Remembers the peer credentials of each accepted connection. grpc-js does not expose Unix peer credentials,
 * so every socket gets a unique `remoteAddress` token before it is injected; handlers turn `call.getPeer()`
 * back into the connection with {@link get}.
 */
export class ConnectionRegistry {
  private readonly connections = new Map<string, WorkloadConnection>();
  private next = 0;

  constructor(private readonly procRoot = '/proc') {}

  /** Number of open connections. */
  get size(): number {
    return this.connections.size;
  }

  /**
   * Reads the socket's peer credentials and the caller's start time, tags the socket, and forgets the
   * connection when the socket closes.
   * @throws InternalError when the credentials cannot be read.
   */
  register(socket: net.Socket): WorkloadConnection {
    const cred = readPeerCred(socket);
    const id = `${PEER_PREFIX}${++this.next}`;
    const connection: WorkloadConnection = {
      id,
      cred,
      startTime: readProcessStartTime(cred.pid, this.procRoot),
    };
    Object.defineProperty(socket, 'remoteAddress', { value: id, configurable: true });
    this.connections.set(id, connection);
    socket.once('close', () => this.connections.delete(id));
    return connection;
  }

  /** The connection a grpc-js call came in on (`call.getPeer()`), if it is still open. */
  get(peer: string): WorkloadConnection | undefined {
    return this.connections.get(peer);
  }
}
