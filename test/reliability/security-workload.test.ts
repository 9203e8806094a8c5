/**
 * Security cases on a real agent's Workload API, then a secret-in-logs scan of every process log of the run:
 * - PID reuse: a caller that connected and handed its socket to another process before exiting is not served
 *   (the agent checks that the pid still names the process that connected, as SPIRE does);
 * - no private key, JWT-SVID or join token value appears in any log the server and agents wrote.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { processLogFiles, recordedSecrets, runCommand } from '@lanyard/e2e';
import { shortTempDir } from './support/cluster';
import { startAgentCluster, type AgentCluster } from './support/agent-cluster';
import { recordSecurityCase } from './support/figures';
import { scanLogsForSecrets } from './support/secret-scan';

const HANDOFF = path.join(__dirname, 'support', 'socket-handoff.js');
let cluster: AgentCluster;
const issuedSecrets: string[] = [];

beforeAll(async () => {
  cluster = await startAgentCluster(shortTempDir('lysw-'));
  issuedSecrets.push(cluster.token);
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
});

async function handoff(mode: 'exit' | 'stay'): Promise<{ status: string; message?: string }> {
  const result = await runCommand(process.execPath, [HANDOFF, cluster.agent.socketPath, mode], {
    timeoutMs: 60_000,
  });
  const line = result.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as { status: string; message?: string };
  } catch {
    throw new Error(
      `socket-handoff printed no result (exit ${result.code}):\n${result.stdout}\n${result.stderr}`,
    );
  }
}

test('positive control: a caller that stays alive gets its X509-SVID over the handed-off socket', async () => {
  expect((await handoff('stay')).status).toBe('message');
});

test('PID reuse: a caller whose process exited after connecting is not served', async () => {
  const outcome = await handoff('exit');
  // 14 UNAVAILABLE (caller gone / attestation failed) or 7 PERMISSION_DENIED (no selectors); never an SVID.
  expect(['14', '7']).toContain(outcome.status);
  expect(cluster.agent.log).toMatch(/Caller process changed during attestation|Workload attestation failed/);
  recordSecurityCase(
    'PID reuse (caller exits after handing its connected socket to another process)',
    `refused with gRPC status ${outcome.status} "${outcome.message ?? ''}"; no SVID served`,
  );
});

test('no private key, JWT-SVID or join token appears in any process log of the run', async () => {
  // Put secrets through the system: a JWT-SVID minted and validated, the agent's X509-SVID fetched.
  const jwt = await cluster.workload.fetchJwtSvid({ audience: 'spiffe://example.org/logscan' });
  await cluster.workload.validateJwtSvid(jwt.token, 'spiffe://example.org/logscan');
  issuedSecrets.push(jwt.token);
  await cluster.workload.fetchX509Svid();
  await cluster.stop();
  const files = processLogFiles();
  expect(files.length).toBeGreaterThanOrEqual(2);
  const findings = scanLogsForSecrets(files, [...issuedSecrets, ...recordedSecrets()]);
  expect(findings.map((f) => `${f.file}:${f.line}: ${f.what}`)).toEqual([]);
  recordSecurityCase(
    'secrets in logs',
    `${files.length} process logs of the run scanned (key PEM, -----BEGIN private material, JWTs, ` +
      `${recordedSecrets().length} join tokens): none found`,
  );
}, 120_000);

test('the scan finds a planted key, JWT and token and names file and line', () => {
  const file = path.join(shortTempDir('lyscan-'), 'planted.log');
  const key = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const pem = key.export({ type: 'pkcs8', format: 'pem' }) as string;
  const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJzcGlmZmU6Ly9leGFtcGxlLm9yZy94In0.c2lnbmF0dXJlc2lnbmF0dXJl';
  fs.writeFileSync(file, `clean line\nkey=${pem.split('\n')[0]}\ntoken=${jwt}\njoin 0123456789abcdef\n`, {
    mode: 0o600,
  });
  const findings = scanLogsForSecrets([file], ['0123456789abcdef']).map((f) => `${f.line} ${f.what}`);
  expect(findings).toEqual([
    '2 private key PEM block',
    '2 -----BEGIN private material',
    '3 compact JWT (JWT-SVID)',
    '4 secret value 0123…',
  ]);
});
