/** `KeyManager "memory"`: keys live only in this process (lost on restart). */
import type { KeyObject } from 'node:crypto';
import type { KeyManager, KeyType } from '../types';
import { generatePrivateKey } from './key-types';

/** In-memory KeyManager. */
export class MemoryKeyManager implements KeyManager {
  private readonly keys = new Map<string, KeyObject>();

  /** @inheritDoc */
  async generateKey(keyId: string, keyType: KeyType): Promise<KeyObject> {
    const key = await generatePrivateKey(keyType);
    this.keys.set(keyId, key);
    return key;
  }

  /** @inheritDoc */
  async getKey(keyId: string): Promise<KeyObject | undefined> {
    return this.keys.get(keyId);
  }
}
