import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCommand } from '@lanyard/e2e';
import { request, testKey, waitFor, writeBundleFile } from './helpers';

const BIN = path.join(__dirname, '..', 'dist', 'cli', 'main.js');

/** The binary starts a Node process per call; allow for a loaded machine. */
jest.setTimeout(60_000);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'oidc-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('a bad config prints every problem and exits 1', async () => {
  const config = path.join(dir, 'bad.conf');
  writeFileSync(config, 'domains = ["a.test"]\nacme { email = "e" }\nmystery = 1\n');
  const result = await runCommand(process.execPath, [BIN, '-config', config]);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('mystery');
});

test('serves the keys of its config on a Unix socket until SIGTERM', async () => {
  const config = path.join(dir, 'oidc.conf');
  const socketPath = path.join(dir, 'oidc.sock');
  const bundle = path.join(dir, 'bundle.json');
  writeBundleFile(bundle, [testKey('cli-key')]);
  writeFileSync(
    config,
    `log_level = "info"\ndomains = ["localhost"]\nlisten_socket_path = "${socketPath}"\nfile { path = "${bundle}" }\n`,
  );
  const child = spawn(process.execPath, [BIN, '-config', config], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    await waitFor(async () => {
      try {
        return (await request('http://localhost/keys', { socketPath })).status === 200;
      } catch {
        return false;
      }
    }, 'the provider to serve');
    const keys = JSON.parse((await request('http://localhost/keys', { socketPath })).body).keys;
    expect(keys.map((k: { kid: string }) => k.kid)).toEqual(['cli-key']);
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
});
