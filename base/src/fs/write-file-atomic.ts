/**
 * Atomic small-file writes: the data goes to a temp file in the same directory, created with its final mode
 * (so a key is never readable by others, not even for an instant), fsynced and renamed over the target; the
 * directory is fsynced too, so a crash leaves either the old or the new content, never a torn or lost file.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import path from 'node:path';

/** Options of {@link writeFileAtomic} and {@link writeFileAtomicSync}. */
export interface WriteFileAtomicOptions {
  /**
   * Permission bits of the written file (default 0o600: private keys and state). Callers writing public
   * files (certificates, bundles) pass 0o644 explicitly. The mode is exact: it is set on the empty temp file
   * before any data is written, so the process umask neither narrows nor widens it.
   */
  readonly mode?: number;
}

/** Default mode of atomically written files: readable and writable by the owner only. */
export const PRIVATE_FILE_MODE = 0o600;

function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Writes `data` to `file` atomically (see the module doc). The parent directory must exist. */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  const temp = tempPathFor(file);
  const mode = options.mode ?? PRIVATE_FILE_MODE;
  const handle = await fs.promises.open(temp, 'wx', mode);
  try {
    try {
      await handle.chmod(mode);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(temp, file);
  } catch (err) {
    await fs.promises.rm(temp, { force: true });
    throw err;
  }
  const dir = await fs.promises.open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Synchronous {@link writeFileAtomic}, for callers that must not yield (e.g. agent state on shutdown). */
export function writeFileAtomicSync(
  file: string,
  data: string | Uint8Array,
  options: WriteFileAtomicOptions = {},
): void {
  const temp = tempPathFor(file);
  const mode = options.mode ?? PRIVATE_FILE_MODE;
  const fd = fs.openSync(temp, 'wx', mode);
  try {
    try {
      fs.fchmodSync(fd, mode);
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw err;
  }
  const dir = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}
