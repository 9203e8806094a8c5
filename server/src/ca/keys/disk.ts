/**
 * `KeyManager "disk"`: keys persisted in one JSON file at `keys_path` (like SPIRE's keys file), each key as a
 * PKCS#8 PEM, the file written atomically with mode 0600. Parsed KeyObjects are cached; PEM is parsed once.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  FailedPreconditionError,
  InvalidArgumentError,
  readFileIfExists,
  writeFileAtomic,
} from '@lanyard/base';
import type { KeyManager, KeyType } from '../types';
import { generatePrivateKey, keyTypeOf, parseKeyType } from './key-types';

interface StoredKey {
  type: KeyType;
  pkcs8Pem: string;
}

interface KeysFile {
  version: 1;
  keys: Record<string, StoredKey>;
}

/** Disk-backed KeyManager. Create with {@link DiskKeyManager.open}. */
export class DiskKeyManager implements KeyManager {
  private readonly cache = new Map<string, KeyObject>();
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly keysPath: string,
    private readonly stored: Record<string, StoredKey>,
  ) {}

  /** Opens (or starts) the keys file at `keysPath`; a corrupt file is an error, never silently replaced. */
  static async open(keysPath: string): Promise<DiskKeyManager> {
    if (!keysPath) throw new InvalidArgumentError('keys_path must be configured', 'ERR_KEYS_PATH');
    const raw = await readFileIfExists(keysPath);
    return new DiskKeyManager(keysPath, raw ? parseKeysFile(raw, keysPath) : {});
  }

  /** @inheritDoc */
  async generateKey(keyId: string, keyType: KeyType): Promise<KeyObject> {
    const key = await generatePrivateKey(keyType);
    const pkcs8Pem = key.export({ type: 'pkcs8', format: 'pem' }).toString();
    await this.serialize(async () => {
      await this.write({ ...this.stored, [keyId]: { type: keyType, pkcs8Pem } });
      this.stored[keyId] = { type: keyType, pkcs8Pem };
    });
    this.cache.set(keyId, key);
    return key;
  }

  /** @inheritDoc */
  /**
   * Stores an existing private key under `keyId` (used to import another server's CA keys). Refuses a key ID
   * that is already taken and key types Lanyard cannot sign with.
   */
  async importKey(keyId: string, key: KeyObject): Promise<void> {
    const type = keyTypeOf(key);
    if (!type)
      throw new InvalidArgumentError(`key "${keyId}" has a type Lanyard does not support`, 'ERR_KEY_TYPE');
    const pkcs8Pem = key.export({ type: 'pkcs8', format: 'pem' }).toString();
    await this.serialize(async () => {
      if (Object.prototype.hasOwnProperty.call(this.stored, keyId))
        throw new FailedPreconditionError(
          `key "${keyId}" already exists in "${this.keysPath}"`,
          'ERR_KEY_EXISTS',
        );
      await this.write({ ...this.stored, [keyId]: { type, pkcs8Pem } });
      this.stored[keyId] = { type, pkcs8Pem };
    });
    this.cache.set(keyId, key);
  }

  async getKey(keyId: string): Promise<KeyObject | undefined> {
    const cached = this.cache.get(keyId);
    if (cached) return cached;
    const stored = Object.prototype.hasOwnProperty.call(this.stored, keyId) ? this.stored[keyId] : undefined;
    if (!stored) return undefined;
    const key = createPrivateKey({ key: stored.pkcs8Pem, format: 'pem' });
    this.cache.set(keyId, key);
    return key;
  }

  private async write(keys: Record<string, StoredKey>): Promise<void> {
    const file: KeysFile = { version: 1, keys };
    await mkdir(path.dirname(this.keysPath), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.keysPath, JSON.stringify(file, null, 2));
  }

  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function parseKeysFile(raw: Buffer, keysPath: string): Record<string, StoredKey> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new FailedPreconditionError(`keys file "${keysPath}" is not valid JSON`, 'ERR_KEYS_FILE');
  }
  const keys = (parsed as Partial<KeysFile> | null)?.keys;
  if (typeof keys !== 'object' || keys === null) {
    throw new FailedPreconditionError(`keys file "${keysPath}" has no "keys" object`, 'ERR_KEYS_FILE');
  }
  const out: Record<string, StoredKey> = {};
  for (const [id, value] of Object.entries(keys)) {
    if (typeof value?.pkcs8Pem !== 'string' || typeof value.type !== 'string') {
      throw new FailedPreconditionError(
        `keys file "${keysPath}" entry "${id}" is malformed`,
        'ERR_KEYS_FILE',
      );
    }
    out[id] = { type: parseKeyType(value.type, `keys file entry "${id}" type`), pkcs8Pem: value.pkcs8Pem };
  }
  return out;
}
