import type * as grpc from '@grpc/grpc-js';
import type { Selector } from '@lanyard/attestor-core';
import { InvalidArgumentError, UnavailableError } from '@lanyard/base';
import type { WorkloadAttestation } from './attestation';
import type { ConnectionRegistry, WorkloadConnection } from './connections';

/** The metadata key every Workload API request must carry with the single value `true`. */
export const SECURITY_HEADER = 'workload.spiffe.io';

/**
 * SSRF guard (SPIFFE.md §5.3): exactly one `workload.spiffe.io` value, equal to `true`.
 * @throws InvalidArgumentError `security header missing from request`.
 */
export function checkSecurityHeader(metadata: grpc.Metadata): void {
  const values = metadata.get(SECURITY_HEADER);
  if (values.length !== 1 || values[0] !== 'true') {
    throw new InvalidArgumentError('security header missing from request', 'ERR_SECURITY_HEADER');
  }
}

/** An attested Workload API caller. */
export interface AttestedCaller {
  readonly connection: WorkloadConnection;
  readonly selectors: Selector[];
}

/** A call as the handlers see it: its metadata and the peer token of its connection. */
export interface IncomingCall {
  readonly metadata: grpc.Metadata;
  getPeer(): string;
}

/** Turns an incoming call into an attested caller: security header, connection lookup, attestation. */
export class CallerResolver {
  constructor(
    private readonly connections: ConnectionRegistry,
    private readonly attestation: WorkloadAttestation,
  ) {}

  /**
   * @throws InvalidArgumentError without the security header (checked first, before any attestation);
   *   UnavailableError when the connection is unknown or attestation fails.
   */
  async resolve(call: IncomingCall): Promise<AttestedCaller> {
    checkSecurityHeader(call.metadata);
    return this.attestPeer(call);
  }

  /**
   * Attests the process behind a call's connection without the Workload API's security header check (the
   * admin socket's APIs and Envoy SDS do not require the header, as in SPIRE).
   * @throws UnavailableError when the connection is unknown or attestation fails.
   */
  async attestPeer(call: Pick<IncomingCall, 'getPeer'>): Promise<AttestedCaller> {
    const connection = this.connections.get(call.getPeer());
    if (!connection) {
      throw new UnavailableError(
        'workload attestation failed: caller connection is unknown',
        'ERR_CALLER_UNKNOWN',
      );
    }
    const selectors = await this.attestation.attest(connection);
    return { connection, selectors };
  }

  /** The connection a call came in on, without attesting it (for the trail's denial lines). */
  connectionOf(call: Pick<IncomingCall, 'getPeer'>): WorkloadConnection | undefined {
    return this.connections.get(call.getPeer());
  }
}
