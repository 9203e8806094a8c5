import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes a file atomically: a temp file in the same directory is written, fsynced and renamed over the
 * target, so a crash leaves either the old or the new content, never a torn file.
 */
export function writeFileAtomic(file: string, data: Buffer | string, mode = 0o644): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = fs.openSync(tmp, 'w', mode);
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.chmodSync(tmp, mode);
  fs.renameSync(tmp, file);
}
