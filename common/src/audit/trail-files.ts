import { promises as fs } from 'node:fs';

/**
 * Shifts `path.(N-1)` → `path.N`, …, `path` → `path.1` (the oldest, `path.<maxFiles>`, is overwritten). With
 * `maxFiles` 0 the live file is only truncated.
 */
export async function rotateTrailFiles(path: string, maxFiles: number): Promise<void> {
  if (maxFiles < 1) {
    await fs.truncate(path, 0);
    return;
  }
  for (let i = maxFiles - 1; i >= 1; i--) {
    await fs.rename(`${path}.${i}`, `${path}.${i + 1}`).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
  await fs.rename(path, `${path}.1`);
}

/**
 * The trail files that exist for `path`, oldest first: `path.N` … `path.1`, then `path`. Rotated files are
 * found by probing `path.1`, `path.2`, … until one is missing.
 */
export async function trailFilesOldestFirst(path: string): Promise<string[]> {
  const rotated: string[] = [];
  for (let i = 1; ; i++) {
    const candidate = `${path}.${i}`;
    if (!(await exists(candidate))) break;
    rotated.push(candidate);
  }
  const files = rotated.reverse();
  if (await exists(path)) files.push(path);
  return files;
}

async function exists(path: string): Promise<boolean> {
  try {
    await fs.access(path);
    return true;
  } catch {
    return false;
  }
}
