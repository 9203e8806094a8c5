import * as crypto from 'node:crypto';
import type { WorkloadKeyType } from '../config/types';

/** A freshly generated key pair. */
export interface KeyPair {
  readonly privateKey: crypto.KeyObject;
  readonly publicKey: crypto.KeyObject;
}

/** Generates a key pair of the given type (`ec-p256` default for agent and workload SVIDs). */
export function generateKeyPair(type: WorkloadKeyType = 'ec-p256'): KeyPair {
  switch (type) {
    case 'rsa-2048':
      return crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    case 'ec-p384':
      return crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' });
    default:
      return crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  }
}
