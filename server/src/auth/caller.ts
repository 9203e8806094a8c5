import type { AttestedNode } from '../datastore/types';

/** Roles a caller can hold; each RPC lists the roles it accepts (SPIRE's authorization policy). */
export type Role = 'any' | 'local' | 'admin' | 'agent' | 'downstream';

/** Who is calling, as far as the transport could tell. Computed once per call by the endpoint. */
export interface Caller {
  /** `caller_addr` in logs: `unix:<socket>` for the admin socket, `ip:port` for TCP. */
  readonly addr: string;
  /** True on the local admin socket (every local caller is an admin, like SPIRE). */
  readonly local: boolean;
  /** SPIFFE ID of a TLS peer whose X509-SVID chains to our bundle. */
  readonly spiffeId?: string;
  /** Decimal serial number of that peer certificate. */
  readonly certSerial?: string;
  /** Leaf certificate NotAfter, unix seconds. */
  readonly certNotAfter?: number;
  /** Admin socket peer: user ID (SO_PEERCRED), when known. */
  readonly uid?: number;
  /** Admin socket peer: group ID, when known. */
  readonly gid?: number;
  /** Admin socket peer: binary path (`/proc/<pid>/exe`), when known. */
  readonly path?: string;
}

/** What the authorizer concluded about a caller for one RPC. */
export interface AuthorizedCaller extends Caller {
  /** The attested node, when the caller was authorized as an agent. */
  readonly agent?: AttestedNode;
  /** True when the caller was authorized as an admin (local, `admin_ids` or admin entry). */
  readonly admin: boolean;
}
