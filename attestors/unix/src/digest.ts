import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { InternalError } from '@lanyard/base';

/**
 * SHA-256 (hex) of a file, refusing files larger than `sizeLimit` bytes when the limit is positive.
 * @throws InternalError when the file cannot be read or exceeds the limit.
 */
export async function sha256File(file: string, sizeLimit: number): Promise<string> {
  let size: number;
  try {
    size = (await fs.promises.stat(file)).size;
  } catch (err) {
    throw new InternalError(`sha256 lookup: ${(err as Error).message}`, 'ERR_WORKLOAD_DIGEST');
  }
  if (sizeLimit > 0 && size > sizeLimit) {
    throw new InternalError(
      `workload ${file} exceeds size limit (${size} > ${sizeLimit})`,
      'ERR_WORKLOAD_SIZE',
    );
  }
  const hash = crypto.createHash('sha256');
  try {
    for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  } catch (err) {
    throw new InternalError(`sha256 lookup: ${(err as Error).message}`, 'ERR_WORKLOAD_DIGEST');
  }
  return hash.digest('hex');
}
