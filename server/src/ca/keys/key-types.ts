/** Key type parsing and generation for the CA and JWT signing keys. */
import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { InvalidArgumentError } from '@lanyard/base';
import type { KeyType } from '../types';

const generate = promisify(generateKeyPair);

/** Every supported key type, SPIRE spelling. */
export const KEY_TYPES: readonly KeyType[] = ['ec-p256', 'ec-p384', 'rsa-2048', 'rsa-4096'];

/** Validates a key type string; `field` names the config key in the error. */
export function parseKeyType(value: string, field: string): KeyType {
  if ((KEY_TYPES as readonly string[]).includes(value)) return value as KeyType;
  throw new InvalidArgumentError(`${field} "${value}" is not one of ${KEY_TYPES.join(', ')}`, 'ERR_KEY_TYPE');
}

/** Generates a private key of `keyType` without blocking the event loop. */
export async function generatePrivateKey(keyType: KeyType): Promise<KeyObject> {
  switch (keyType) {
    case 'ec-p256':
      return (await generate('ec', { namedCurve: 'prime256v1' })).privateKey;
    case 'ec-p384':
      return (await generate('ec', { namedCurve: 'secp384r1' })).privateKey;
    case 'rsa-2048':
      return (await generate('rsa', { modulusLength: 2048 })).privateKey;
    case 'rsa-4096':
      return (await generate('rsa', { modulusLength: 4096 })).privateKey;
    default:
      throw new InvalidArgumentError(`key type "${String(keyType)}" is not supported`, 'ERR_KEY_TYPE');
  }
}

/** The key type of an existing private key, or undefined when it is not one we generate. */
export function keyTypeOf(key: KeyObject): KeyType | undefined {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'ec') {
    if (details?.namedCurve === 'prime256v1') return 'ec-p256';
    if (details?.namedCurve === 'secp384r1') return 'ec-p384';
  }
  if (key.asymmetricKeyType === 'rsa') {
    if (details?.modulusLength === 2048) return 'rsa-2048';
    if (details?.modulusLength === 4096) return 'rsa-4096';
  }
  return undefined;
}
