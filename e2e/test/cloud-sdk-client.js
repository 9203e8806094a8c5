/*
 * A workload of the cloud-credentials e2e: the clouds' official SDKs, unmodified, configured only through their
 * documented environment variables, profile files and options. Run as a workload uid (setpriv); prints one JSON
 * line, {"ok":true,...} or {"ok":false,"error":"..."}.
 *   node cloud-sdk-client.js aws-token-file <stsUrl>  AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE
 *   node cloud-sdk-client.js aws-process               AWS_CONFIG_FILE profile "lanyard" with credential_process
 *   node cloud-sdk-client.js aws-container             AWS_CONTAINER_CREDENTIALS_FULL_URI + _AUTHORIZATION_TOKEN_FILE
 *   node cloud-sdk-client.js gcp                       GOOGLE_APPLICATION_CREDENTIALS (external_account)
 *   node cloud-sdk-client.js azure                     AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE,
 *                                                      AZURE_AUTHORITY_HOST
 */
'use strict';

async function aws(mode, stsUrl) {
  const { fromTokenFile, fromProcess, fromHttp } = require('@aws-sdk/credential-providers');
  const provider =
    mode === 'aws-token-file'
      ? fromTokenFile({ clientConfig: { endpoint: stsUrl, region: 'us-east-1' } })
      : mode === 'aws-container'
        ? fromHttp()
        : fromProcess({ profile: 'lanyard' });
  const creds = await provider();
  return { accessKeyId: creds.accessKeyId, expiration: creds.expiration && creds.expiration.toISOString() };
}

async function gcp() {
  const { GoogleAuth } = require('google-auth-library');
  const auth = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
  const client = await auth.getClient();
  const { token } = await client.getAccessToken();
  return { accessToken: token };
}

async function azure() {
  const { WorkloadIdentityCredential } = require('@azure/identity');
  const credential = new WorkloadIdentityCredential({ disableInstanceDiscovery: true });
  const token = await credential.getToken('https://management.azure.com/.default');
  return { accessToken: token.token, expiresOnTimestamp: token.expiresOnTimestamp };
}

async function main() {
  const [mode, arg] = process.argv.slice(2);
  if (mode.startsWith('aws-')) return aws(mode, arg);
  if (mode === 'gcp') return gcp();
  if (mode === 'azure') return azure();
  throw new Error(`unknown mode ${mode}`);
}

main().then(
  (result) => process.stdout.write(`${JSON.stringify({ ok: true, ...result })}\n`),
  (error) => {
    process.stdout.write(
      `${JSON.stringify({ ok: false, error: String((error && error.message) || error) })}\n`,
    );
    process.exitCode = 1;
  },
);
