import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathForOtherUsers, runAsPrefix } from '../src';

/** Starting processes as other uids needs root (as in CI). */
const asRoot = process.getuid?.() === 0 ? test : test.skip;

function readAs(uid: number, file: string): string {
  const [setpriv, ...prefix] = runAsPrefix({ uid });
  return execFileSync(setpriv, [...prefix, 'cat', file], { encoding: 'utf8', stdio: 'pipe' });
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'run-as-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function fakeCheckout(parentMode: number): string {
  fs.chmodSync(dir, parentMode);
  const root = path.join(dir, 'checkout');
  fs.mkdirSync(path.join(root, 'pkg'), { recursive: true, mode: 0o755 });
  fs.chmodSync(root, 0o755);
  fs.writeFileSync(path.join(root, 'package-lock.json'), '{}', { mode: 0o644 });
  fs.writeFileSync(path.join(root, 'pkg', 'script.js'), 'hello', { mode: 0o644 });
  return path.join(root, 'pkg', 'script.js');
}

test('runAsPrefix builds setpriv arguments with the gid defaulting to the uid', () => {
  expect(runAsPrefix({ uid: 1001 })).toEqual(['setpriv', '--reuid=1001', '--regid=1001', '--clear-groups']);
  expect(runAsPrefix({ uid: 5, gid: 6, groups: [7, 8] })).toEqual([
    'setpriv',
    '--reuid=5',
    '--regid=6',
    '--groups=7,8',
  ]);
});

asRoot('a checkout others can traverse is used in place', () => {
  const file = fakeCheckout(0o755);
  expect(pathForOtherUsers(file)).toBe(file);
  expect(readAs(41999, file)).toBe('hello');
});

asRoot('a checkout under a 0700 directory is staged where another uid can read it', () => {
  const file = fakeCheckout(0o700);
  expect(() => readAs(41999, file)).toThrow();
  const staged = pathForOtherUsers(file);
  expect(staged).not.toBe(file);
  expect(staged.endsWith(path.join('checkout', 'pkg', 'script.js'))).toBe(true);
  expect(readAs(41999, staged)).toBe('hello');
});
