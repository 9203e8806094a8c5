/*
 * A function on a managed runtime, for the managed-workloads e2e: no agent, no Workload API socket, only what
 * the runtime's environment gives (AWS credentials in env on Lambda, the metadata server on Cloud Run). It gets a
 * JWT-SVID from the server's managed_workloads listener with @lanyard/spiffe's ManagedIdentitySource and the
 * proof provider of its runtime, then credentials of ANOTHER cloud with that cloud's official SDK, as a handler
 * would. Prints one JSON line, {"ok":true,...} or {"ok":false,"error":"...","name":"..."}.
 *   node managed-runtime.js lambda-azure     AWS_* env credentials → JWT-SVID → Entra (ClientAssertionCredential)
 *   node managed-runtime.js cloudrun-aws     GCE_METADATA_HOST     → JWT-SVID → STS AssumeRoleWithWebIdentity
 * Settings (env): LANYARD_URL, LANYARD_SERVER_ID (aws_iam), LANYARD_GCP_AUDIENCE (gcp_sa), ENTRA_TENANT_ID,
 * ENTRA_CLIENT_ID, ENTRA_AUTHORITY_HOST, AWS_ROLE_TO_ASSUME, WEB_IDENTITY_STS_URL.
 */
'use strict';
const { ManagedIdentitySource } = require('@lanyard/spiffe/managed');
const { awsIamProof, gcpServiceAccountProof } = require('@lanyard/helper/managed');

async function lambdaToAzure(env) {
  const source = await ManagedIdentitySource.create({
    serverUrl: env.LANYARD_URL,
    proof: awsIamProof({ serverId: env.LANYARD_SERVER_ID }),
    x509: false,
  });
  const { ClientAssertionCredential } = require('@azure/identity');
  const credential = new ClientAssertionCredential(
    env.ENTRA_TENANT_ID,
    env.ENTRA_CLIENT_ID,
    async () => (await source.fetchJwtSvid({ audience: 'api://AzureADTokenExchange' })).token,
    { authorityHost: env.ENTRA_AUTHORITY_HOST, disableInstanceDiscovery: true },
  );
  const token = await credential.getToken('https://management.azure.com/.default');
  const svid = await source.fetchJwtSvid({ audience: 'api://AzureADTokenExchange' });
  await source.close();
  return { spiffeId: svid.id.toString(), accessToken: token.token };
}

async function cloudRunToAws(env) {
  const source = await ManagedIdentitySource.create({
    serverUrl: env.LANYARD_URL,
    proof: gcpServiceAccountProof({ audience: env.LANYARD_GCP_AUDIENCE }),
    x509: false,
  });
  const svid = await source.fetchJwtSvid({ audience: 'sts.amazonaws.com' });
  const { fromWebToken } = require('@aws-sdk/credential-providers');
  const credentials = await fromWebToken({
    roleArn: env.AWS_ROLE_TO_ASSUME,
    webIdentityToken: svid.token,
    roleSessionName: 'cloud-run',
    clientConfig: { endpoint: env.WEB_IDENTITY_STS_URL, region: 'us-east-1' },
  })();
  await source.close();
  return { spiffeId: svid.id.toString(), accessKeyId: credentials.accessKeyId };
}

const MODES = { 'lambda-azure': lambdaToAzure, 'cloudrun-aws': cloudRunToAws };

const run = MODES[process.argv[2]];
(run ? run(process.env) : Promise.reject(new Error(`unknown mode ${process.argv[2]}`))).then(
  (result) => process.stdout.write(`${JSON.stringify({ ok: true, ...result })}\n`),
  (error) => {
    process.stdout.write(
      `${JSON.stringify({ ok: false, name: error && error.name, error: String((error && error.message) || error) })}\n`,
    );
    process.exitCode = 1;
  },
);
