import type { SecureContextOptions } from 'node:tls';
import * as grpc from '@grpc/grpc-js';

/**
 * grpc-js server credentials whose certificate, key and trusted client roots can be swapped at runtime
 * (server SVID rotation, bundle changes). Client certificates are requested but optional: attestation callers
 * have none; callers whose certificate does not chain to the roots are treated as unauthenticated.
 */
export class RotatingServerCredentials extends grpc.ServerCredentials {
  constructor(initial: SecureContextOptions) {
    super({ requestCert: true, rejectUnauthorized: false }, initial);
  }

  /** Installs new TLS material; applies to new connections. */
  update(options: SecureContextOptions): void {
    this.updateSecureContextOptions(options);
  }

  /** Each instance is unique (grpc-js compares credentials when re-binding a port). */
  _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}
