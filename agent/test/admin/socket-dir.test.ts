/** The agent admin socket is refused in a directory another user owns or others can write. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AdminApiServer } from '../../src/admin';

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lanyard-admdir-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

test('an existing world-writable directory is refused, naming admin_socket_path, the path and the mode', async () => {
  const dir = path.join(root, 'open');
  fs.mkdirSync(dir);
  fs.chmodSync(dir, 0o777);
  const admin = new AdminApiServer({ socketPath: path.join(dir, 'admin.sock'), attestors: [] });
  await expect(admin.start()).rejects.toThrow(
    `admin_socket_path: directory ${dir} has mode 0777, writable by others`,
  );
  expect(fs.existsSync(path.join(dir, 'admin.sock'))).toBe(false);
});

test('a directory owned by another user is refused; our own 0755 directory is used', async () => {
  const theirs = path.join(root, 'theirs');
  fs.mkdirSync(theirs);
  fs.chmodSync(theirs, 0o755);
  fs.chownSync(theirs, 4321, 4321); // needs root, as CI runs (test-support/src/run-as.ts)
  const refused = new AdminApiServer({ socketPath: path.join(theirs, 'admin.sock'), attestors: [] });
  await expect(refused.start()).rejects.toThrow(
    `admin_socket_path: directory ${theirs} is owned by uid 4321`,
  );
  const ours = path.join(root, 'ours');
  fs.mkdirSync(ours);
  fs.chmodSync(ours, 0o755);
  const admin = new AdminApiServer({ socketPath: path.join(ours, 'admin.sock'), attestors: [] });
  await admin.start();
  try {
    expect(fs.statSync(path.join(ours, 'admin.sock')).isSocket()).toBe(true);
  } finally {
    await admin.stop();
  }
});
