import { constants, type KeyObject, randomBytes, verify, type X509Certificate } from 'node:crypto';
import { InternalError, PermissionDeniedError } from '@lanyard/base';
import { certificateInfo, KeyUsage } from '@lanyard/spiffe/x509';
import {
  decodeNonce,
  NONCE_BYTES,
  parseMessage,
  signedMessage,
  X509POP_PLUGIN_NAME,
  type X509PopChallenge,
} from './shared';

/** A challenge the server sent, with what it needs to check the answer. */
export interface IssuedChallenge {
  readonly kind: 'rsa' | 'ecdsa';
  readonly nonce: Buffer;
  /** The JSON sent to the agent. */
  readonly bytes: Buffer;
}

const CURVE_BYTES: Readonly<Record<string, number>> = { prime256v1: 32, secp384r1: 48, secp521r1: 66 };

function denied(reason: string): PermissionDeniedError {
  return new PermissionDeniedError(
    `${X509POP_PLUGIN_NAME}: challenge response verification failed: ${reason}`,
    'ERR_X509POP_POP',
  );
}

/**
 * A fresh nonce challenge for the leaf's key type (SPIRE: RSA or ECDSA only; the leaf must allow digitalSignature).
 * @throws PermissionDeniedError for a leaf without digitalSignature key usage or with another key type.
 */
export function issueChallenge(leaf: X509Certificate): IssuedChallenge {
  if (((certificateInfo(leaf).keyUsage ?? 0) & KeyUsage.digitalSignature) === 0) {
    throw new PermissionDeniedError(
      `${X509POP_PLUGIN_NAME}: certificate not intended for digital signature use`,
      'ERR_X509POP_KEY_USAGE',
    );
  }
  const type = leaf.publicKey.asymmetricKeyType;
  if (type !== 'rsa' && type !== 'ec') {
    throw new PermissionDeniedError(
      `${X509POP_PLUGIN_NAME}: unsupported public key type ${String(type)}`,
      'ERR_X509POP_KEY_TYPE',
    );
  }
  const kind = type === 'rsa' ? 'rsa' : 'ecdsa';
  const nonce = randomBytes(NONCE_BYTES);
  const message: X509PopChallenge = {
    rsa_signature: kind === 'rsa' ? { nonce: nonce.toString('base64') } : null,
    ecdsa_signature: kind === 'ecdsa' ? { nonce: nonce.toString('base64') } : null,
  };
  return { kind, nonce, bytes: Buffer.from(JSON.stringify(message), 'utf8') };
}

function ecdsaSignature(key: KeyObject, r: unknown, s: unknown): Buffer {
  const size = CURVE_BYTES[key.asymmetricKeyDetails?.namedCurve ?? ''];
  if (size === undefined) {
    throw new InternalError(
      `${X509POP_PLUGIN_NAME}: unsupported curve ${String(key.asymmetricKeyDetails?.namedCurve)}`,
    );
  }
  const pad = (value: unknown, name: string): Buffer => {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'base64') : undefined;
    if (!bytes || bytes.length === 0 || bytes.length > size) throw denied(`malformed ECDSA ${name}`);
    return Buffer.concat([Buffer.alloc(size - bytes.length), bytes]);
  };
  return Buffer.concat([pad(r, 'r'), pad(s, 's')]);
}

/**
 * Checks the agent's answer to `challenge` against the leaf's public key.
 * @throws InvalidArgumentError for a response that is not the expected JSON; PermissionDeniedError when the
 *   signature does not verify.
 */
export function verifyChallengeResponse(
  leafKey: KeyObject,
  challenge: IssuedChallenge,
  responseBytes: Buffer,
): void {
  const response = parseMessage(responseBytes, 'challenge response');
  const answer = (challenge.kind === 'rsa' ? response.rsa_signature : response.ecdsa_signature) as
    Record<string, unknown> | null | undefined;
  if (answer === undefined || answer === null) {
    throw denied(`expecting ${challenge.kind === 'rsa' ? 'RSA' : 'ECDSA'} response`);
  }
  const message = signedMessage(challenge.nonce, decodeNonce(answer, 'response'));
  const ok =
    challenge.kind === 'ecdsa'
      ? verify(
          'sha256',
          message,
          { key: leafKey, dsaEncoding: 'ieee-p1363' },
          ecdsaSignature(leafKey, answer.r, answer.s),
        )
      : typeof answer.signature === 'string' &&
        verify(
          'sha256',
          message,
          {
            key: leafKey,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: constants.RSA_PSS_SALTLEN_AUTO,
          },
          Buffer.from(answer.signature, 'base64'),
        );
  if (!ok) throw denied(`${challenge.kind === 'rsa' ? 'RSA' : 'ECDSA'} signature verify failed`);
}
