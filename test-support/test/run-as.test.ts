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

/** Other suites in the same Jest worker tighten the umask; these tests must not depend on it. */
let savedUmask: number;
beforeAll(() => {
  savedUmask = process.umask(0o077);
});
afterAll(() => process.umask(savedUmask));

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'run-as-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A tiny checkout; modes are set with chmod, so the Jest worker's umask does not matter. */
function fakeCheckout(parentMode: number): string {
  const root = path.join(dir, 'checkout');
  const file = path.join(root, 'pkg', 'script.js');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(path.join(root, 'package-lock.json'), '{}');
  fs.writeFileSync(file, 'hello');
  for (const d of [root, path.dirname(file)]) fs.chmodSync(d, 0o755);
  for (const f of [path.join(root, 'package-lock.json'), file]) fs.chmodSync(f, 0o644);
  fs.chmodSync(dir, parentMode);
  return file;
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
