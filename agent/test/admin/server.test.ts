/** The admin socket's lifecycle on real Unix sockets: modes, a stale socket, a path another server holds. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { FailedPreconditionError } from '@lanyard/base';
import { AdminApiServer } from '../../src/admin';
import { peerCredAttestor } from '../workload-fixtures';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lanyard-adms-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function server(socketPath: string): AdminApiServer {
  return new AdminApiServer({ socketPath, attestors: [peerCredAttestor] });
}

function connects(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

test('creates missing directories 0755, listens 0770, and removes its socket on stop', async () => {
  const socketPath = path.join(dir, 'a', 'b', 'admin.sock');
  const admin = server(socketPath);
  await admin.start();
  expect(fs.statSync(path.join(dir, 'a')).mode & 0o777).toBe(0o755);
  expect(fs.statSync(path.join(dir, 'a', 'b')).mode & 0o777).toBe(0o755);
  expect(fs.statSync(socketPath).mode & 0o777).toBe(0o770);
  expect(await connects(socketPath)).toBe(true);
  await admin.stop();
  expect(fs.existsSync(socketPath)).toBe(false);
});

test('a stale socket file left by a crashed run is replaced', async () => {
  const socketPath = path.join(dir, 'admin.sock');
  // A process killed while listening leaves its socket file behind, as a crashed agent does.
  const script = `require('node:net').createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, 'SIGKILL'))`;
  spawnSync(process.execPath, ['-e', script]);
  expect(fs.lstatSync(socketPath).isSocket()).toBe(true);
  expect(await connects(socketPath)).toBe(false);
  const admin = server(socketPath);
  await admin.start();
  expect(await connects(socketPath)).toBe(true);
  await admin.stop();
});

test('a path another server listens on is refused, and the loser leaves that socket alone', async () => {
  const socketPath = path.join(dir, 'admin.sock');
  const first = server(socketPath);
  await first.start();
  const second = server(socketPath);
  await expect(second.start()).rejects.toThrow(FailedPreconditionError);
  await expect(second.start()).rejects.toThrow(`socket_path "${socketPath}" is in use by another process`);
  await second.stop();
  expect(await connects(socketPath)).toBe(true);
  await first.stop();
});
