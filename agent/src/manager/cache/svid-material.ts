import * as crypto from 'node:crypto';
import { InvalidArgumentError } from '@lanyard/base';
import { RotationStrategy } from './rotation';
import type { X509SvidMaterial } from './types';

/** Input of {@link createSvidMaterial}: what the server returned for one entry plus the key the agent made. */
export interface SvidMaterialInput {
  /** Certificates, leaf first, DER each (copied, so pool slices are safe to pass). */
  readonly certChainDer: readonly Buffer[];
  /** The leaf's private key: a KeyObject or unencrypted PKCS#8 DER. */
  readonly privateKey: crypto.KeyObject | Buffer;
  /** Revision of the entry the CSR was made for. */
  readonly entryRevision: number;
  /** Decides `renewAt`; half-life rotation when absent. */
  readonly rotation?: RotationStrategy;
}

/**
 * Builds the cached form of an X.509-SVID: private copies of the DER, the key parsed once and exported once,
 * validity read from the leaf.
 * @throws InvalidArgumentError when the chain is empty, the leaf does not parse, or the key does not match it.
 */
export function createSvidMaterial(input: SvidMaterialInput): X509SvidMaterial {
  if (input.certChainDer.length === 0) {
    throw new InvalidArgumentError('svid cert_chain must not be empty', 'ERR_SVID_CHAIN');
  }
  const certChainDer = input.certChainDer.map((der) => Buffer.from(der));
  let leaf: crypto.X509Certificate;
  try {
    leaf = new crypto.X509Certificate(certChainDer[0]);
  } catch (err) {
    throw new InvalidArgumentError('svid leaf certificate does not parse', 'ERR_SVID_CHAIN', { cause: err });
  }
  const privateKey = Buffer.isBuffer(input.privateKey)
    ? crypto.createPrivateKey({ key: input.privateKey, format: 'der', type: 'pkcs8' })
    : input.privateKey;
  if (!leaf.checkPrivateKey(privateKey)) {
    throw new InvalidArgumentError('svid private key does not match the leaf certificate', 'ERR_SVID_KEY');
  }
  const privateKeyDer = Buffer.isBuffer(input.privateKey)
    ? Buffer.from(input.privateKey)
    : privateKey.export({ type: 'pkcs8', format: 'der' });
  const issuedAt = new Date(leaf.validFrom);
  const expiresAt = new Date(leaf.validTo);
  return {
    certChainDer,
    privateKey,
    privateKeyDer,
    issuedAt,
    expiresAt,
    renewAt: (input.rotation ?? RotationStrategy.HALF_LIFE).renewAt({ issuedAt, expiresAt }),
    entryRevision: input.entryRevision,
  };
}
