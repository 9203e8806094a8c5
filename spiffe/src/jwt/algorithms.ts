/** The JWS algorithms a JWT-SVID may use (SPIFFE.md §3.1) and their `node:crypto` sign/verify calls. */
import { KeyObject, constants, sign, verify } from 'node:crypto';
import { JwtSvidError } from '../errors/jwt-svid-error';

/** Allowed JWT-SVID algorithms. `none`, HS*, EdDSA and everything else are refused. */
export type JwtSvidAlgorithm =
  'RS256' | 'RS384' | 'RS512' | 'ES256' | 'ES384' | 'ES512' | 'PS256' | 'PS384' | 'PS512';

interface AlgorithmSpec {
  readonly hash: string;
  readonly family: 'rsa' | 'pss' | 'ec';
  /** Node curve name and IEEE-P1363 signature length for EC algorithms. */
  readonly curve?: string;
  readonly sigLength?: number;
}

const ALGORITHMS: Record<JwtSvidAlgorithm, AlgorithmSpec> = {
  RS256: { hash: 'sha256', family: 'rsa' },
  RS384: { hash: 'sha384', family: 'rsa' },
  RS512: { hash: 'sha512', family: 'rsa' },
  PS256: { hash: 'sha256', family: 'pss' },
  PS384: { hash: 'sha384', family: 'pss' },
  PS512: { hash: 'sha512', family: 'pss' },
  ES256: { hash: 'sha256', family: 'ec', curve: 'prime256v1', sigLength: 64 },
  ES384: { hash: 'sha384', family: 'ec', curve: 'secp384r1', sigLength: 96 },
  ES512: { hash: 'sha512', family: 'ec', curve: 'secp521r1', sigLength: 132 },
};

/** True if `alg` is one of the allowed JWT-SVID algorithms. */
export function isJwtSvidAlgorithm(alg: unknown): alg is JwtSvidAlgorithm {
  return typeof alg === 'string' && Object.prototype.hasOwnProperty.call(ALGORITHMS, alg);
}

/** Key shape per KeyObject (`rsa`, or the EC curve name); KeyObjects are immutable so this is always safe. */
const keyShapes = new WeakMap<KeyObject, string>();

function keyShape(key: KeyObject): string {
  let shape = keyShapes.get(key);
  if (shape === undefined) {
    const kind = key.asymmetricKeyType;
    shape = kind === 'ec' ? (key.asymmetricKeyDetails?.namedCurve ?? 'ec') : String(kind);
    keyShapes.set(key, shape);
  }
  return shape;
}

/** True if `key` can be used with `alg` (RSA key for RS/PS, EC key on the matching curve for ES). */
export function keyFitsAlgorithm(key: KeyObject, alg: JwtSvidAlgorithm): boolean {
  const spec = ALGORITHMS[alg];
  const shape = keyShape(key);
  return spec.family === 'ec' ? shape === spec.curve : shape === 'rsa';
}

/** The default algorithm for a signing key: ES256/384/512 by curve, RS256 for RSA. */
export function defaultAlgorithm(key: KeyObject): JwtSvidAlgorithm {
  const shape = keyShape(key);
  if (shape === 'rsa') return 'RS256';
  const alg = (Object.keys(ALGORITHMS) as JwtSvidAlgorithm[]).find((a) => ALGORITHMS[a].curve === shape);
  if (!alg) throw new JwtSvidError('ERR_JWT_SVID_KEY', `jwt signing key: unsupported key type ${shape}`);
  return alg;
}

function keyInput(alg: JwtSvidAlgorithm, key: KeyObject) {
  const spec = ALGORITHMS[alg];
  if (spec.family === 'ec') return { key, dsaEncoding: 'ieee-p1363' as const };
  if (spec.family === 'pss') {
    return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST };
  }
  return key;
}

/** Verifies a JWS signature over `signingInput`. The caller has checked {@link keyFitsAlgorithm}. */
export function verifySignature(
  alg: JwtSvidAlgorithm,
  key: KeyObject,
  signingInput: Buffer,
  signature: Buffer,
): boolean {
  const spec = ALGORITHMS[alg];
  if (spec.sigLength !== undefined && signature.length !== spec.sigLength) return false;
  return verify(spec.hash, signingInput, keyInput(alg, key), signature);
}

/** Signs `signingInput` with `key` under `alg` (ECDSA signatures in IEEE-P1363 form). */
export function createSignature(alg: JwtSvidAlgorithm, key: KeyObject, signingInput: Buffer): Buffer {
  return sign(ALGORITHMS[alg].hash, signingInput, keyInput(alg, key));
}
