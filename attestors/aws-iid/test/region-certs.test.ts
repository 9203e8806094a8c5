import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PermissionDeniedError } from '@lanyard/base';
import { AwsRegionCertificates, AwsSignerCertificates } from '../src';
import { type AwsWorld, agentPayload, noChallenge, server, startWorld } from './helpers';

describe('built-in AWS region certificates', () => {
  const certs = new AwsRegionCertificates();

  it.each([
    ['rsa', 1024],
    ['rsa2048', 2048],
  ] as const)('loads the %s certificate AWS publishes for us-east-1', (kind, bits) => {
    const cert = certs.certificate('us-east-1', kind);
    expect(cert.subject).toContain('O=Amazon Web Services LLC');
    expect(cert.publicKey.asymmetricKeyType).toBe('rsa');
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(bits);
    expect(certs.certificate('us-east-1', kind)).toBe(cert);
  });

  it('loads the DSA certificate and keeps regions apart', () => {
    expect(certs.certificate('eu-west-1', 'dsa').publicKey.asymmetricKeyType).toBe('dsa');
    const east = certs.certificate('us-east-1', 'rsa2048');
    const west = certs.certificate('eu-west-1', 'rsa2048');
    expect(east.fingerprint256).not.toBe(west.fingerprint256);
  });

  it.each(['mars-north-1', '../rsa/us-east-1', 'US-EAST-1', ''])('has no certificate for %j', (region) => {
    expect(() => certs.certificate(region, 'rsa2048')).toThrow(PermissionDeniedError);
    expect(() => certs.certificate(region, 'rsa2048')).toThrow(
      /no built-in AWS rsa2048 certificate for region/,
    );
  });
});

describe('aws_iid with the built-in certificates', () => {
  let world: AwsWorld;
  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(async () => world.stop());

  it('verifies with the certificate of the document region only', async () => {
    const dir = join(world.dir, 'certs');
    for (const kind of ['rsa', 'rsa2048', 'dsa']) mkdirSync(join(dir, kind), { recursive: true });
    writeFileSync(join(dir, 'rsa', 'us-east-1.pem'), world.imds.signer.certPem);
    writeFileSync(join(dir, 'rsa2048', 'us-east-1.pem'), world.imds.signer2048.certPem);
    writeFileSync(join(dir, 'rsa2048', 'eu-west-1.pem'), world.imds.signer.certPem);
    const signers = AwsSignerCertificates.builtIn(new AwsRegionCertificates(dir));
    const data = JSON.parse((await agentPayload(world)).toString('utf8')) as Record<string, string>;
    expect(() => signers.verifyPkcs7(data.document, 'us-east-1', data.rsa2048)).not.toThrow();
    expect(() => signers.verifyRsaSignature(data.document, 'us-east-1', data.signature)).not.toThrow();
    expect(() => signers.verifyPkcs7(data.document, 'eu-west-1', data.rsa2048)).toThrow(
      /rsa2048 signature does not verify with any trusted AWS certificate/,
    );
    expect(() => signers.verifyRsaSignature(data.document, 'ap-south-1', data.signature)).toThrow(
      /no built-in AWS rsa certificate for region "ap-south-1"/,
    );
  });

  it('refuses a test-CA document when no instance_identity_ca_path is given (AWS certificates only)', async () => {
    const attestor = await server(world, { instance_identity_ca_path: undefined });
    const attempt = attestor.attest(await agentPayload(world), noChallenge);
    await expect(attempt).rejects.toThrow(PermissionDeniedError);
    await expect(attempt).rejects.toThrow(
      /rsa2048 signature does not verify with any trusted AWS certificate/,
    );
    world.imds.document.region = 'mars-north-1';
    await expect(attestor.attest(await agentPayload(world), noChallenge)).rejects.toThrow(
      /no built-in AWS rsa2048 certificate for region "mars-north-1"/,
    );
    expect(world.api.requests).toHaveLength(0);
  });
});
