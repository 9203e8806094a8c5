import { execFileSync } from 'node:child_process';
import { runCli } from './helpers';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '0b1b7e3c-7f4f-4d65-9a1e-2f1c8d5e6a7b';

describe('azure env', () => {
  test('prints shell exports a POSIX shell evaluates to the three WorkloadIdentityCredential variables', async () => {
    const result = await runCli([
      'azure',
      'env',
      '-tenantId',
      TENANT,
      '-clientId',
      CLIENT,
      '-tokenFile',
      "/run/lanyard/it's azure.jwt",
    ]);
    expect(result.code).toBe(0);
    const shown = execFileSync('sh', [
      '-c',
      `${result.stdout}printf '%s|%s|%s' "$AZURE_TENANT_ID" "$AZURE_CLIENT_ID" "$AZURE_FEDERATED_TOKEN_FILE"`,
    ]).toString();
    expect(shown).toBe(`${TENANT}|${CLIENT}|/run/lanyard/it's azure.jwt`);
  });

  test('bad or missing flags are named', async () => {
    expect((await runCli(['azure', 'env', '-clientId', CLIENT, '-tokenFile', '/t'])).stderr).toContain(
      'tenantId is required',
    );
    const badClient = await runCli([
      'azure',
      'env',
      '-tenantId',
      TENANT,
      '-clientId',
      'app',
      '-tokenFile',
      '/t',
    ]);
    expect(badClient.code).toBe(1);
    expect(badClient.stderr).toContain('clientId "app"');
    const badTenant = await runCli([
      'azure',
      'env',
      '-tenantId',
      'x y',
      '-clientId',
      CLIENT,
      '-tokenFile',
      '/t',
    ]);
    expect(badTenant.stderr).toContain('tenantId "x y"');
  });
});
