import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readFileIfExists, writeFileAtomic, writeFileAtomicSync } from '@lanyard/base';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'lanyard-base-atomic-'));
}

const modeOf = (file: string): number => fs.statSync(file).mode & 0o777;

describe.each([
  ['writeFileAtomic', writeFileAtomic],
  ['writeFileAtomicSync', writeFileAtomicSync],
] as const)('%s', (_name, write) => {
  let dir: string;
  let umask: number;

  beforeEach(() => {
    dir = tempDir();
    umask = process.umask(0o022);
  });
  afterEach(() => {
    process.umask(umask);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes a private (0600) file by default', async () => {
    const file = path.join(dir, 'key.pem');
    await write(file, 'secret');
    expect(fs.readFileSync(file, 'utf8')).toBe('secret');
    expect(modeOf(file)).toBe(0o600);
  });

  it('writes exactly the mode asked for, whatever the umask (a Jest worker or a service may tighten it)', async () => {
    process.umask(0o077);
    const file = path.join(dir, 'bundle.pem');
    await write(file, 'public', { mode: 0o644 });
    expect(modeOf(file)).toBe(0o644);
  });

  it('writes the mode the caller asks for, with no temp file left behind', async () => {
    const file = path.join(dir, 'bundle.der');
    await write(file, Buffer.from([1, 2, 3]), { mode: 0o644 });
    expect(fs.readFileSync(file)).toEqual(Buffer.from([1, 2, 3]));
    expect(modeOf(file)).toBe(0o644);
    expect(fs.readdirSync(dir)).toEqual(['bundle.der']);
  });

  it('replaces an existing file and its mode (a public file turned into a key is not left readable)', async () => {
    const file = path.join(dir, 'out.pem');
    fs.writeFileSync(file, 'old content that is longer', { mode: 0o644 });
    await write(file, 'new');
    expect(fs.readFileSync(file, 'utf8')).toBe('new');
    expect(modeOf(file)).toBe(0o600);
  });

  it('fails when the directory does not exist, leaving nothing behind', async () => {
    const file = path.join(dir, 'missing', 'f');
    await expect(async () => write(file, 'x')).rejects.toThrow(/ENOENT/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('removes its temp file when the rename fails', async () => {
    const target = path.join(dir, 'is-a-dir');
    fs.mkdirSync(path.join(target, 'child'), { recursive: true });
    await expect(async () => write(target, 'x')).rejects.toThrow();
    expect(fs.readdirSync(dir)).toEqual(['is-a-dir']);
  });
});

describe('readFileIfExists', () => {
  it('returns the content, or undefined for a missing file', async () => {
    const dir = tempDir();
    try {
      fs.writeFileSync(path.join(dir, 'a'), 'A');
      expect((await readFileIfExists(path.join(dir, 'a')))?.toString()).toBe('A');
      expect(await readFileIfExists(path.join(dir, 'b'))).toBeUndefined();
      await expect(readFileIfExists(dir)).rejects.toThrow(/EISDIR/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
