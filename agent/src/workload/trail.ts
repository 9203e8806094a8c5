/**
 * The agent's identity trail events (docs/audit.md): which workload (pid, uid, gid, binary path, selectors)
 * received which SPIFFE ID with which serial or JWT `jti`, and which Workload API calls were denied and why.
 */
import { X509Certificate } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import * as path from 'node:path';
import { formatSelector, type Selector } from '@lanyard/attestor-core';
import { LanyardError } from '@lanyard/base';
import type { TrailRecorder } from '@lanyard/common';
import type { Identity, X509SvidMaterial } from '../manager/cache';
import type { WorkloadConnection } from './connections';

const serials = new WeakMap<X509SvidMaterial, string>();
const binaries = new WeakMap<WorkloadConnection, string>();

function serialOf(svid: X509SvidMaterial): string {
  let serial = serials.get(svid);
  if (serial === undefined) {
    serial = BigInt(`0x${new X509Certificate(svid.certChainDer[0]).serialNumber}`).toString(10);
    serials.set(svid, serial);
  }
  return serial;
}

/** The `jti` claim of a compact JWS, if it has one (the token itself is never recorded). */
export function jtiOf(token: string): string | undefined {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as unknown;
    const jti = (claims as { jti?: unknown } | null)?.jti;
    return typeof jti === 'string' ? jti : undefined;
  } catch {
    return undefined;
  }
}

/** Records Workload API events in the agent's trail. */
export class WorkloadTrail {
  constructor(
    private readonly recorder: TrailRecorder,
    private readonly procRoot = '/proc',
  ) {}

  /** An X.509-SVID response was sent: one line per identity in it. */
  x509Sent(
    connection: WorkloadConnection,
    selectors: readonly Selector[],
    identities: readonly Identity[],
  ): void {
    const caller = this.callerFields(connection, selectors);
    for (const { entry, svid } of identities) {
      this.recorder.record({
        event: 'workload_x509_svid',
        spiffe_id: entry.spiffeId,
        serial: serialOf(svid),
        expires_at: Math.floor(svid.expiresAt.getTime() / 1000),
        entry_id: entry.entryId,
        ...caller,
      });
    }
  }

  /** A JWT-SVID was handed to a workload. */
  jwtSent(
    connection: WorkloadConnection,
    selectors: readonly Selector[],
    svid: { spiffeId: string; entryId: string; token: string; audience: readonly string[] },
  ): void {
    const jti = jtiOf(svid.token);
    this.recorder.record({
      event: 'workload_jwt_svid',
      spiffe_id: svid.spiffeId,
      audience: [...svid.audience],
      ...(jti === undefined ? {} : { jti }),
      entry_id: svid.entryId,
      ...this.callerFields(connection, selectors),
    });
  }

  /** A call was refused: the method, the status and why; the caller when it is known. */
  denied(
    method: string,
    err: unknown,
    connection: WorkloadConnection | undefined,
    selectors?: readonly Selector[],
    requestedId = '',
  ): void {
    const status = err instanceof LanyardError ? err.grpcStatus : 13;
    this.recorder.record({
      event: 'workload_denied',
      spiffe_id: requestedId,
      method: method.slice(method.lastIndexOf('/') + 1),
      status_code: status,
      reason: err instanceof LanyardError ? err.message : 'internal error',
      ...(connection === undefined ? {} : this.callerFields(connection, selectors)),
    });
  }

  private callerFields(
    connection: WorkloadConnection,
    selectors: readonly Selector[] | undefined,
  ): Record<string, unknown> {
    const fields: Record<string, unknown> = {
      pid: connection.cred.pid,
      uid: connection.cred.uid,
      gid: connection.cred.gid,
    };
    const binary = this.binaryPath(connection);
    if (binary !== undefined) fields.binary_path = binary;
    if (selectors !== undefined) fields.selectors = selectors.map(formatSelector);
    return fields;
  }

  /** `/proc/<pid>/exe`, read once per connection; undefined when the kernel does not tell us. */
  private binaryPath(connection: WorkloadConnection): string | undefined {
    if (binaries.has(connection)) return binaries.get(connection) || undefined;
    let binary = '';
    try {
      binary = readlinkSync(path.join(this.procRoot, String(connection.cred.pid), 'exe'));
    } catch {
      // Another user's process without CAP_SYS_PTRACE, or the process is gone.
    }
    binaries.set(connection, binary);
    return binary || undefined;
  }
}
