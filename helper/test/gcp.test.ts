import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { jwtPayload, runCli, startWorkload, WORKLOAD_ID, type TestWorkload } from './helpers';

const AUDIENCE =
  '//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/lanyard/providers/prod';

/** Spawning Node on a loaded machine can be slow. */
jest.setTimeout(60_000);

function runCommand(
  command: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const [file, ...args] = command.split(' ');
  return new Promise((resolve) => {
    execFile(file, args, { env: { PATH: process.env.PATH, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('gcp', () => {
  let workload: TestWorkload;
  beforeEach(async () => {
    workload = await startWorkload();
  });
  afterEach(() => workload.close());

  test('executable prints the version 1 success response with the JWT-SVID and its expiry', async () => {
    const result = await runCli([
      'gcp',
      'executable',
      '-audience',
      AUDIENCE,
      '-agentAddress',
      workload.server.address,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const response = JSON.parse(result.stdout);
    expect(response).toEqual({
      version: 1,
      success: true,
      token_type: 'urn:ietf:params:oauth:token-type:jwt',
      id_token: expect.any(String),
      expiration_time: expect.any(Number),
    });
    const claims = jwtPayload(response.id_token);
    expect(claims).toMatchObject({ sub: WORKLOAD_ID, aud: [AUDIENCE], exp: response.expiration_time });
  });

  test('executable failure: version 1 failure JSON with code and message, exit 1', async () => {
    workload.server.setJwtIdentities([]);
    const result = await runCli([
      'gcp',
      'executable',
      '-audience',
      AUDIENCE,
      '-agentAddress',
      workload.server.address,
    ]);
    expect(result.code).toBe(1);
    const response = JSON.parse(result.stdout);
    expect(response).toMatchObject({ version: 1, success: false, code: 'WORKLOAD_API_ERROR' });
    expect(response.message).toContain('no identity issued');
    const bad = await runCli(['gcp', 'executable', '-audience', 'sts.amazonaws.com']);
    expect(JSON.parse(bad.stdout)).toMatchObject({ success: false, code: 'INVALID_ARGUMENT' });
  });

  test('credential-config writes an external_account file whose executable command works as Google runs it', async () => {
    const out = path.join(workload.dir, 'gcp.json');
    const result = await runCli([
      'gcp',
      'credential-config',
      '-audience',
      AUDIENCE,
      '-serviceAccount',
      'pay@proj.iam.gserviceaccount.com',
      '-agentAddress',
      workload.server.address,
      '-out',
      out,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o644);
    const config = JSON.parse(readFileSync(out, 'utf8'));
    expect(config).toMatchObject({
      type: 'external_account',
      audience: AUDIENCE,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      token_url: 'https://sts.googleapis.com/v1/token',
      service_account_impersonation_url:
        'https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/pay@proj.iam.gserviceaccount.com:generateAccessToken',
      credential_source: { executable: { timeout_millis: 30000 } },
    });
    const outputFile = path.join(workload.dir, 'exec-output.json');
    const run = await runCommand(config.credential_source.executable.command, {
      GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE: AUDIENCE,
      GOOGLE_EXTERNAL_ACCOUNT_TOKEN_TYPE: 'urn:ietf:params:oauth:token-type:jwt',
      GOOGLE_EXTERNAL_ACCOUNT_INTERACTIVE: '0',
      GOOGLE_EXTERNAL_ACCOUNT_OUTPUT_FILE: outputFile,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ version: 1, success: true });
    expect(JSON.parse(readFileSync(outputFile, 'utf8'))).toEqual(JSON.parse(run.stdout));
    expect(statSync(outputFile).mode & 0o777).toBe(0o600);
  });

  test('credential-config with -tokenFile points at the file, text format; bad input names the flag', async () => {
    const out = path.join(workload.dir, 'gcp.json');
    const tokenFile = path.join(workload.dir, 'gcp.token');
    const ok = await runCli([
      'gcp',
      'credential-config',
      '-audience',
      AUDIENCE,
      '-tokenFile',
      tokenFile,
      '-out',
      out,
    ]);
    expect(ok.code).toBe(0);
    const config = JSON.parse(readFileSync(out, 'utf8'));
    expect(config.credential_source).toEqual({ file: tokenFile, format: { type: 'text' } });
    expect(config.service_account_impersonation_url).toBeUndefined();
    const badAudience = await runCli(['gcp', 'credential-config', '-audience', 'projects/1', '-out', out]);
    expect(badAudience.code).toBe(1);
    expect(badAudience.stderr).toContain('audience "projects/1" must be //iam.googleapis.com/projects/');
    const badSa = await runCli([
      'gcp',
      'credential-config',
      '-audience',
      AUDIENCE,
      '-serviceAccount',
      'x',
      '-out',
      out,
    ]);
    expect(badSa.stderr).toContain('serviceAccount "x"');
    const noOut = await runCli(['gcp', 'credential-config', '-audience', AUDIENCE]);
    expect(noOut.stderr).toContain('out is required');
  });
});
