import { execFileSync, spawn } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseConfigText, type CliIo } from '@lanyard/common';
import { PassThrough } from 'node:stream';
import { helperConfigFromParsed, runDaemon } from '../src';
import { jwtPayload, runCli, startWorkload, waitFor, WORKLOAD_ID, type TestWorkload } from './helpers';

jest.setTimeout(60_000);

/** A program that counts the SIGUSR1s it receives into a file and exits 0 on SIGTERM. */
const SIGNAL_COUNTER = `
const fs = require('node:fs');
let n = 0;
fs.writeFileSync(process.argv[2], 'started');
process.on('SIGUSR1', () => fs.writeFileSync(process.argv[2], String(++n)));
process.on('SIGTERM', () => process.exit(0));
setInterval(() => undefined, 1000);
`;

function fileMode(file: string): number {
  return statSync(file).mode & 0o777;
}

describe('daemon', () => {
  let workload: TestWorkload;
  beforeEach(async () => {
    workload = await startWorkload();
  });
  afterEach(() => workload.close());

  function writeConfig(extra: string): string {
    const file = path.join(workload.dir, 'helper.conf');
    writeFileSync(
      file,
      `agent_address = "${workload.server.socketPath}"
cert_dir = "${workload.dir}"
svid_file_name = "svid.pem"
svid_key_file_name = "svid_key.pem"
svid_bundle_file_name = "svid_bundle.pem"
jwt_svids = [{ jwt_audience = "api://AzureADTokenExchange", jwt_svid_file_name = "azure.token" }]
jwt_bundle_file_name = "jwt_bundle.json"
${extra}
`,
    );
    return file;
  }

  test('exit_when_ready writes the SVID, key, bundle, JWT-SVID and JWT bundle files with their modes, then exits 0', async () => {
    const result = await runCli(['-config', writeConfig('exit_when_ready = true')]);
    expect(result.code).toBe(0);
    const dir = workload.dir;
    const leaf = new X509Certificate(readFileSync(path.join(dir, 'svid.pem')));
    expect(leaf.subjectAltName).toContain(WORKLOAD_ID);
    expect(leaf.checkPrivateKey(createPrivateKey(readFileSync(path.join(dir, 'svid_key.pem'))))).toBe(true);
    execFileSync('openssl', [
      'verify',
      '-CAfile',
      path.join(dir, 'svid_bundle.pem'),
      path.join(dir, 'svid.pem'),
    ]);
    expect(fileMode(path.join(dir, 'svid_key.pem'))).toBe(0o600);
    expect(fileMode(path.join(dir, 'svid.pem'))).toBe(0o644);
    expect(fileMode(path.join(dir, 'svid_bundle.pem'))).toBe(0o644);
    const token = readFileSync(path.join(dir, 'azure.token'), 'utf8');
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(jwtPayload(token)).toMatchObject({ sub: WORKLOAD_ID, aud: ['api://AzureADTokenExchange'] });
    expect(fileMode(path.join(dir, 'azure.token'))).toBe(0o600);
    const bundles = JSON.parse(readFileSync(path.join(dir, 'jwt_bundle.json'), 'utf8'));
    expect(bundles['example.org'].keys.map((k: { kid: string }) => k.kid)).toEqual(['k1']);
    expect(fileMode(path.join(dir, 'jwt_bundle.json'))).toBe(0o600);
  });

  test('starts cmd once the files exist, rewrites them on rotation and sends renew_signal', async () => {
    const counter = path.join(workload.dir, 'signals');
    const script = path.join(workload.dir, 'counter.js');
    writeFileSync(script, SIGNAL_COUNTER);
    const config = helperConfigFromParsed(
      parseConfigText(
        readFileSync(
          writeConfig(
            `cmd = "${process.execPath}"\ncmd_args = "${script} ${counter}"\nrenew_signal = "SIGUSR1"`,
          ),
          'utf8',
        ),
        { filename: 'helper.conf' },
      ),
    );
    let stop!: (signal: string) => void;
    const io: CliIo = {
      stdout: new PassThrough(),
      stderr: new PassThrough(),
      env: {},
      stopSignal: () => new Promise((resolve) => (stop = resolve)),
    };
    const running = runDaemon(config, io);
    await waitFor(() => existsSync(counter) && readFileSync(counter, 'utf8') === 'started', 'cmd to start');
    const before = readFileSync(path.join(workload.dir, 'svid.pem'), 'utf8');
    const rotated = workload.ca.issueX509Svid({ spiffeId: WORKLOAD_ID });
    workload.server.setX509Context({ svids: [rotated] });
    await waitFor(
      () => readFileSync(path.join(workload.dir, 'svid.pem'), 'utf8') !== before,
      'the SVID rewrite',
    );
    expect(new X509Certificate(readFileSync(path.join(workload.dir, 'svid.pem'))).serialNumber).toBe(
      rotated.certificates[0].x509.serialNumber,
    );
    await waitFor(() => Number(readFileSync(counter, 'utf8')) >= 1, 'SIGUSR1 to reach cmd');
    stop('SIGTERM');
    expect(await running).toBe(0);
  });

  test('refreshes a JWT-SVID at half its lifetime and signals the process of pid_file_name', async () => {
    workload.server.setJwtIdentities([
      { spiffeId: WORKLOAD_ID, key: workload.ca.createJwtKey({ kid: 'k2' }), ttlSeconds: 4 },
    ]);
    const counter = path.join(workload.dir, 'signals');
    const script = path.join(workload.dir, 'counter.js');
    writeFileSync(script, SIGNAL_COUNTER);
    const child = spawn(process.execPath, [script, counter], { stdio: 'ignore' });
    try {
      await waitFor(() => existsSync(counter), 'the signalled process to start');
      const pidFile = path.join(workload.dir, 'app.pid');
      writeFileSync(pidFile, `${child.pid}\n`);
      const text = `agent_address = "${workload.server.socketPath}"
jwt_svids = [{ jwt_audience = "sts.amazonaws.com", jwt_svid_file_name = "${workload.dir}/aws.token" }]
pid_file_name = "${pidFile}"
renew_signal = "SIGUSR1"`;
      const config = helperConfigFromParsed(parseConfigText(text, { filename: 'helper.conf' }));
      let stop!: (signal: string) => void;
      const io: CliIo = {
        stdout: new PassThrough(),
        stderr: new PassThrough(),
        env: {},
        stopSignal: () => new Promise((resolve) => (stop = resolve)),
      };
      const running = runDaemon(config, io);
      const tokenFile = path.join(workload.dir, 'aws.token');
      await waitFor(() => existsSync(tokenFile), 'the first token');
      const first = readFileSync(tokenFile, 'utf8');
      await waitFor(() => readFileSync(tokenFile, 'utf8') !== first, 'the token refresh');
      const second = jwtPayload(readFileSync(tokenFile, 'utf8'));
      expect(second.exp as number).toBeGreaterThan((jwtPayload(first).exp as number) - 1);
      await waitFor(
        () => Number(readFileSync(counter, 'utf8')) >= 1,
        'SIGUSR1 to reach the pid_file process',
      );
      stop('SIGTERM');
      expect(await running).toBe(0);
    } finally {
      child.kill('SIGTERM');
    }
  });

  test('a bad config file prints every problem and exits 1', async () => {
    const file = path.join(workload.dir, 'bad.conf');
    writeFileSync(file, 'mystery = 1\ncert_dir = "x"\n');
    const result = await runCli(['-config', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('mystery');
    expect(result.stderr).toContain('nothing to write');
  });
});
