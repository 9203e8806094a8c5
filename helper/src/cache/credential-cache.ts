/**
 * An on-disk cache of short-lived cloud credentials, so that `credential_process` style commands (a new process
 * per call) reuse a credential until shortly before it expires. One 0600 file per request shape, in a 0700
 * directory; entries are keyed by a hash of everything that selects the credential.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from '@lanyard/base';

/** A credential is refreshed this long before it expires (SDKs themselves refresh 5 min early). */
export const REFRESH_MARGIN_MS = 10 * 60_000;

/** The default cache directory: `$XDG_CACHE_HOME/lanyard-helper` or `~/.cache/lanyard-helper`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'lanyard-helper');
}

/** A cache of JSON values that each carry an expiry. */
export class CredentialCache<T> {
  constructor(
    private readonly dir: string,
    private readonly expiryOf: (value: T) => Date,
    private readonly marginMs = REFRESH_MARGIN_MS,
  ) {}

  /** The cached value for `key` if it is still good for longer than the refresh margin. */
  get(key: unknown, now = Date.now()): T | undefined {
    let value: T;
    try {
      value = JSON.parse(readFileSync(this.fileOf(key), 'utf8')) as T;
    } catch {
      return undefined;
    }
    const expiry = this.expiryOf(value).getTime();
    return Number.isFinite(expiry) && expiry - now > this.marginMs ? value : undefined;
  }

  /** Stores `value` for `key` (atomic replace, file mode 0600). */
  async put(key: unknown, value: T): Promise<void> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.fileOf(key), JSON.stringify(value), { mode: 0o600 });
  }

  private fileOf(key: unknown): string {
    const digest = createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 32);
    return path.join(this.dir, `${digest}.json`);
  }
}
