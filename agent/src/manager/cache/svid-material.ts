import * as crypto from 'node:crypto';
import { InvalidArgumentError } from '@lanyard/base';
import { DerArena } from './der-arena';
import { readLeafFacts } from './leaf-facts';
import { RotationStrategy } from './rotation';
import type { X509SvidMaterial } from './types';

/** Input of {@link createSvidMaterial}: what the server returned for one entry plus the key the agent made. */
export interface SvidMaterialInput {
  /** Certificates, leaf first, DER each (copied, so pool slices are safe to pass). */
  readonly certChainDer: readonly Buffer[];
  /** The leaf's private key: a KeyObject or unencrypted PKCS#8 DER. */
  readonly privateKey: crypto.KeyObject | Buffer;
  /**
   * The matching public key (KeyObject or SubjectPublicKeyInfo DER), when at hand: saves deriving it from the
   * private key for the match check.
   */
  readonly publicKey?: crypto.KeyObject | Buffer;
  /** Revision of the entry the CSR was made for. */
  readonly entryRevision: number;
  /** Decides `renewAt`; half-life rotation when absent. */
  readonly rotation?: RotationStrategy;
}

/** Where every cached SVID's DER lives (one arena per process: SVIDs stored together share slabs). */
const arena = new DerArena();

/**
 * Builds the cached form of an X.509-SVID: the chain and the PKCS#8 key copied once, next to each other, into
 * the DER arena; validity read from the leaf's DER. No KeyObject or X509Certificate is kept (both hold native
 * memory); {@link svidPrivateKey} makes a KeyObject when one is needed.
 * @throws InvalidArgumentError when the chain is empty, the leaf does not parse, or the key does not match it.
 */
export function createSvidMaterial(input: SvidMaterialInput): X509SvidMaterial {
  if (input.certChainDer.length === 0) {
    throw new InvalidArgumentError('svid cert_chain must not be empty', 'ERR_SVID_CHAIN');
  }
  const leafDer = input.certChainDer[0];
  const leaf = readLeafFacts(leafDer);
  const keyDer = Buffer.isBuffer(input.privateKey)
    ? input.privateKey
    : input.privateKey.export({ type: 'pkcs8', format: 'der' });
  if (!keyMatches(leafDer, leaf.subjectPublicKeyInfo, input)) {
    throw new InvalidArgumentError('svid private key does not match the leaf certificate', 'ERR_SVID_KEY');
  }
  const stored = arena.store([...input.certChainDer, keyDer]);
  const chainLength = input.certChainDer.length;
  const certChainDer = stored.parts.slice(0, chainLength);
  const last = certChainDer[chainLength - 1];
  // One certificate (no intermediates): the chain is the leaf, one view serves as both.
  const chainDer =
    chainLength === 1
      ? certChainDer[0]
      : stored.all.subarray(0, last.byteOffset - stored.all.byteOffset + last.length);
  const validity = { issuedAt: new Date(leaf.notBefore), expiresAt: new Date(leaf.notAfter) };
  const renewAt = (input.rotation ?? RotationStrategy.HALF_LIFE).renewAt(validity);
  return new CachedX509Svid(
    certChainDer,
    chainDer,
    stored.parts[chainLength],
    [leaf.notBefore, leaf.notAfter, renewAt.getTime()],
    input.entryRevision,
  );
}

/**
 * The cached SVID: times kept as numbers (a Date object weighs several times more), handed out as new Dates.
 */
class CachedX509Svid implements X509SvidMaterial {
  private readonly issuedAtMs: number;
  private readonly expiresAtMs: number;
  private readonly renewAtMs: number;

  constructor(
    readonly certChainDer: readonly Buffer[],
    readonly chainDer: Buffer,
    readonly privateKeyDer: Buffer,
    [issuedAtMs, expiresAtMs, renewAtMs]: readonly [number, number, number],
    readonly entryRevision: number,
  ) {
    this.issuedAtMs = issuedAtMs;
    this.expiresAtMs = expiresAtMs;
    this.renewAtMs = renewAtMs;
  }

  get issuedAt(): Date {
    return new Date(this.issuedAtMs);
  }

  get expiresAt(): Date {
    return new Date(this.expiresAtMs);
  }

  get renewAt(): Date {
    return new Date(this.renewAtMs);
  }
}

/**
 * True when the leaf certifies the input's key: its SubjectPublicKeyInfo equals the key's (DER is canonical for
 * the keys the agent makes); any other encoding is settled by OpenSSL.
 */
function keyMatches(leafDer: Buffer, leafSpki: Buffer, input: SvidMaterialInput): boolean {
  if (Buffer.isBuffer(input.publicKey) && input.publicKey.equals(leafSpki)) return true;
  const privateKey = Buffer.isBuffer(input.privateKey)
    ? crypto.createPrivateKey({ key: input.privateKey, format: 'der', type: 'pkcs8' })
    : input.privateKey;
  const publicKey =
    input.publicKey === undefined || Buffer.isBuffer(input.publicKey)
      ? crypto.createPublicKey(privateKey)
      : input.publicKey;
  if (publicKey.export({ type: 'spki', format: 'der' }).equals(leafSpki)) return true;
  try {
    return new crypto.X509Certificate(leafDer).checkPrivateKey(privateKey);
  } catch {
    return false;
  }
}

/** The SVID's private key as a KeyObject, parsed from the cached PKCS#8 on each call (the cache keeps none). */
export function svidPrivateKey(svid: Pick<X509SvidMaterial, 'privateKeyDer'>): crypto.KeyObject {
  return crypto.createPrivateKey({ key: svid.privateKeyDer, format: 'der', type: 'pkcs8' });
}
