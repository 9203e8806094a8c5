import { promises as fs } from 'node:fs';

/** Reads a file, or returns undefined when it does not exist (any other error is thrown). */
export async function readFileIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
