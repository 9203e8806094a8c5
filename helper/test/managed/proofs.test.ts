/**
 * The proof providers against loopback fakes of the clouds' identity services: the AWS proof is a request the
 * fake STS (an independent SigV4 check) accepts, the GCP and Azure proofs are the tokens the metadata and
 * App Service / IMDS fakes mint for the requested audience.
 */
import https from 'node:https';
import { compactVerify, decodeJwt } from 'jose';
import {
  FakeAppServiceIdentity,
  FakeAwsStsCallerIdentity,
  FakeAzureApis,
  FakeAzureImds,
  FakeGcpMetadata,
  createSigningIdentity,
} from '@lanyard/test-support';
import type { AwsIamProof } from '@lanyard/spiffe';
import { awsIamProof, azureManagedIdentityProof, gcpServiceAccountProof, proofProviderFor } from '../../src';

const ROLE = 'arn:aws:iam::123456789012:role/app/reader';

function sendToSts(
  sts: FakeAwsStsCallerIdentity,
  proof: AwsIamProof,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      proof.url,
      { method: proof.method, headers: proof.headers, ca: sts.caPem },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(proof.body);
  });
}

describe('awsIamProof', () => {
  let sts: FakeAwsStsCallerIdentity;
  beforeAll(async () => {
    sts = new FakeAwsStsCallerIdentity();
    await sts.start();
  });
  afterAll(() => sts.stop());

  it('signs a GetCallerIdentity request STS accepts, with the server ID inside the signature', async () => {
    const credentials = sts.assumedRoleSession(ROLE, 'lambda-fn');
    const provider = awsIamProof({ serverId: 'spire.example.org', stsEndpoint: `${sts.url}/`, credentials });
    const proof = (await provider.getProof()) as AwsIamProof;
    expect(proof).toMatchObject({ type: 'aws_iam', method: 'POST', url: `${sts.url}/` });
    expect(proof.body).toBe('Action=GetCallerIdentity&Version=2011-06-15');
    expect(proof.headers['x-lanyard-server-id']).toBe('spire.example.org');
    expect(proof.headers.authorization).toMatch(
      /SignedHeaders=[^,]*x-amz-date[^,]*x-lanyard-nonce;x-lanyard-server-id/,
    );
    const again = (await provider.getProof()) as AwsIamProof;
    expect(again.headers['x-lanyard-nonce']).not.toBe(proof.headers['x-lanyard-nonce']);
    expect(again.headers.authorization).not.toBe(proof.headers.authorization);
    expect(proof.headers['x-amz-security-token']).toBe(credentials.sessionToken);
    const res = await sendToSts(sts, proof);
    expect(res.status).toBe(200);
    expect(res.body).toContain('<Arn>arn:aws:sts::123456789012:assumed-role/reader/lambda-fn</Arn>');
    const changed = await sendToSts(sts, {
      ...proof,
      headers: { ...proof.headers, 'x-lanyard-server-id': 'other' },
    });
    expect(changed.status).toBe(403);
  });

  it('reads the Lambda environment credentials and AWS_ENDPOINT_URL_STS', async () => {
    const credentials = sts.iamUser('arn:aws:iam::123456789012:user/ci');
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    });
    delete process.env.AWS_SESSION_TOKEN;
    try {
      const provider = proofProviderFor('aws_iam', {
        serverId: 's1',
        env: { AWS_ENDPOINT_URL_STS: sts.url },
      });
      const res = await sendToSts(sts, (await provider.getProof()) as AwsIamProof);
      expect(res.body).toContain('<Arn>arn:aws:iam::123456789012:user/ci</Arn>');
    } finally {
      process.env = saved;
    }
  });

  it('names what is missing', async () => {
    expect(() => awsIamProof({ serverId: '' })).toThrow('aws_iam proof: serverId is required');
    expect(() => awsIamProof({ serverId: 's', stsEndpoint: 'http://sts' })).toThrow('must be https');
    const saved = { ...process.env };
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    try {
      await expect(awsIamProof({ serverId: 's' }).getProof()).rejects.toMatchObject({
        code: 'ERR_MANAGED_PROOF',
        message: expect.stringContaining("cannot sign with the runtime's credentials"),
      });
    } finally {
      process.env = saved;
    }
  });
});

describe('gcpServiceAccountProof', () => {
  it('fetches a full-format ID token for the audience from GCE_METADATA_HOST', async () => {
    const google = await createSigningIdentity({ commonName: 'google' });
    const metadata = new FakeGcpMetadata(google);
    await metadata.start();
    try {
      metadata.platform = 'serverless';
      const provider = gcpServiceAccountProof({
        audience: 'https://spire.example.org',
        env: { GCE_METADATA_HOST: new URL(metadata.url).host },
      });
      const proof = await provider.getProof();
      if (proof.type !== 'gcp_sa') throw new Error('wrong proof type');
      await expect(compactVerify(proof.token, google.publicKey)).resolves.toBeDefined();
      expect(decodeJwt(proof.token)).toMatchObject({
        aud: 'https://spire.example.org',
        email: metadata.identity.serviceAccountEmail,
      });
    } finally {
      await metadata.stop();
    }
  });

  it('reports an unreachable metadata server', async () => {
    const provider = proofProviderFor('gcp_sa', { audience: 'a', endpoint: 'http://127.0.0.1:9' });
    await expect(provider.getProof()).rejects.toMatchObject({
      code: 'ERR_MANAGED_PROOF',
      message: expect.stringContaining('gcp_sa proof: http://127.0.0.1:9/computeMetadata'),
    });
  });
});

describe('azureManagedIdentityProof', () => {
  let apis: FakeAzureApis;
  beforeAll(async () => {
    apis = await FakeAzureApis.create();
    await apis.start();
  });
  afterAll(() => apis.stop());

  it('uses IDENTITY_ENDPOINT with X-IDENTITY-HEADER (App Service, Functions)', async () => {
    const appService = new FakeAppServiceIdentity(apis);
    await appService.start();
    try {
      const provider = azureManagedIdentityProof({
        resource: 'api://lanyard',
        env: { IDENTITY_ENDPOINT: appService.endpoint, IDENTITY_HEADER: appService.identityHeader },
      });
      const proof = await provider.getProof();
      if (proof.type !== 'azure_mi') throw new Error('wrong proof type');
      expect(decodeJwt(proof.token)).toMatchObject({
        aud: 'api://lanyard',
        oid: appService.identity.principalId,
      });
      const wrong = azureManagedIdentityProof({
        resource: 'api://lanyard',
        env: { IDENTITY_ENDPOINT: appService.endpoint, IDENTITY_HEADER: 'nope' },
      });
      await expect(wrong.getProof()).rejects.toThrow(/answered 401: .*X-IDENTITY-HEADER header is not valid/);
    } finally {
      await appService.stop();
    }
  });

  it('falls back to IMDS when there is no identity endpoint', async () => {
    const imds = new FakeAzureImds(apis);
    await imds.start();
    try {
      const provider = azureManagedIdentityProof({
        resource: 'api://lanyard',
        imdsEndpoint: imds.url,
        env: {},
      });
      const proof = await provider.getProof();
      if (proof.type !== 'azure_mi') throw new Error('wrong proof type');
      expect(decodeJwt(proof.token).aud).toBe('api://lanyard');
    } finally {
      await imds.stop();
    }
  });

  it('names a half-configured App Service environment and unknown proof types', () => {
    expect(() =>
      azureManagedIdentityProof({ resource: 'r', env: { IDENTITY_ENDPOINT: 'http://x' } }),
    ).toThrow('IDENTITY_ENDPOINT is set but IDENTITY_HEADER is not');
    expect(() => proofProviderFor('oci', {})).toThrow('proof "oci" is not one of aws_iam, gcp_sa, azure_mi');
  });
});
