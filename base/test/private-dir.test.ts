import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FailedPreconditionError, assertPrivateDir, preparePrivateSocketDir } from '../src';

describe('admin socket directories', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'lypd-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('creates missing levels with exactly the mode, whatever the umask', () => {
    const old = process.umask(0o077);
    try {
      preparePrivateSocketDir(path.join(root, 'a', 'b', 'api.sock'), 'socket_path');
    } finally {
      process.umask(old);
    }
    expect(statSync(path.join(root, 'a')).mode & 0o777).toBe(0o750);
    expect(statSync(path.join(root, 'a', 'b')).mode & 0o777).toBe(0o750);
  });

  it('accepts an existing directory of ours that only we can write', () => {
    const dir = path.join(root, 'ok');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    expect(() => preparePrivateSocketDir(path.join(dir, 'api.sock'), 'socket_path')).not.toThrow();
  });

  it.each([
    [0o777, 'mode 0777, writable by others'],
    [0o1777, 'mode 01777, writable by others'],
    [0o770, 'mode 0770, writable by its group'],
  ])('refuses an existing directory with mode %o, naming path and mode', (mode, text) => {
    const dir = path.join(root, `m${mode.toString(8)}`);
    mkdirSync(dir);
    chmodSync(dir, mode);
    const attempt = () => preparePrivateSocketDir(path.join(dir, 'api.sock'), 'socket_path');
    expect(attempt).toThrow(FailedPreconditionError);
    expect(attempt).toThrow(`socket_path: directory ${dir} has ${text}`);
  });

  // chown needs root, as CI runs (see test-support/src/run-as.ts).
  it('refuses a directory another user owns', () => {
    const dir = path.join(root, 'theirs');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    chownSync(dir, 4321, 4321);
    expect(() => assertPrivateDir(dir, 'admin_socket_path')).toThrow(
      `admin_socket_path: directory ${dir} is owned by uid 4321, not by this process (uid 0) or root`,
    );
  });

  it('refuses a path that is not a directory', () => {
    const file = path.join(root, 'file');
    writeFileSync(file, '');
    expect(() => assertPrivateDir(file, 'socket_path')).toThrow(`socket_path: ${file} is not a directory`);
  });
});
