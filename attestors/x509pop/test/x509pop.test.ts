import { constants, generateKeyPairSync, verify } from 'node:crypto';
import { rmSync } from 'node:fs';
import { InvalidArgumentError, PermissionDeniedError } from '@lanyard/base';
import { TestCa } from '@lanyard/test-support';
import { respondToX509PopChallenge } from '../src/agent';
import { attest, halves, NodePki, sha1, TD } from './helpers';

let pki: NodePki;
beforeAll(() => {
  pki = new NodePki();
});
afterAll(() => rmSync(pki.dir, { recursive: true, force: true }));

describe('x509pop attestation (both halves)', () => {
  it('issues the fingerprint agent ID and SPIRE selectors after an ECDSA proof of possession', async () => {
    const leaf = pki.intermediate.issueCertificate({
      subject: { commonName: 'node-1.example' },
      uris: [`x509pop://${TD}/datacenter/us-east-1`],
    });
    const { agent, server } = await halves(pki.nodeFiles('ec', leaf), { ca_bundle_path: pki.bundlePath });
    const challenges: Buffer[] = [];
    const result = await attest(agent, server, challenges);
    expect(result.agentId).toBe(`spiffe://${TD}/spire/agent/x509pop/${sha1(leaf)}`);
    expect(result.canReattest).toBe(true);
    const serial = leaf.x509.serialNumber.toLowerCase().replace(/^0+/, '');
    expect(result.selectors.map((s) => `${s.type}:${s.value}`).sort()).toEqual(
      [
        'x509pop:subject:cn:node-1.example',
        `x509pop:ca:fingerprint:${sha1(pki.intermediate.certificate)}`,
        `x509pop:ca:fingerprint:${sha1(pki.root.certificate)}`,
        `x509pop:serialnumber:${serial.length % 2 ? `0${serial}` : serial}`,
        'x509pop:san:datacenter:us-east-1',
      ].sort(),
    );
    // SPIRE's wire shape: one challenge, a 32-byte nonce for the key type, null for the other.
    expect(challenges).toHaveLength(1);
    const challenge = JSON.parse(challenges[0].toString('utf8'));
    expect(challenge.rsa_signature).toBeNull();
    expect(Buffer.from(challenge.ecdsa_signature.nonce, 'base64')).toHaveLength(32);
  });

  it('answers RSA challenges with an RSA-PSS signature over the two nonces', async () => {
    const leaf = pki.intermediate.issueCertificate({
      subject: { commonName: 'rsa-node' },
      keyType: 'rsa-2048',
    });
    const { agent, server } = await halves(pki.nodeFiles('rsa', leaf), { ca_bundle_paths: [pki.bundlePath] });
    const result = await attest(agent, server);
    expect(result.agentId).toBe(`spiffe://${TD}/spire/agent/x509pop/${sha1(leaf)}`);
    // Independent check of the signature format: PSS/SHA-256 over challenge nonce ‖ response nonce.
    const nonce = Buffer.alloc(32, 7);
    const response = respondToX509PopChallenge(
      leaf.privateKey,
      Buffer.from(
        JSON.stringify({ rsa_signature: { nonce: nonce.toString('base64') }, ecdsa_signature: null }),
      ),
    );
    const answer = response.rsa_signature as { nonce: string; signature: string };
    const message = Buffer.concat([nonce, Buffer.from(answer.nonce, 'base64')]);
    const key = { key: leaf.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 256 - 32 - 2 };
    expect(verify('sha256', message, key, Buffer.from(answer.signature, 'base64'))).toBe(true);
  });

  it('renders agent_path_template with the subject common name', async () => {
    const leaf = pki.intermediate.issueCertificate({ subject: { commonName: 'db-7' } });
    const { agent, server } = await halves(pki.nodeFiles('tmpl', leaf), {
      ca_bundle_path: pki.bundlePath,
      agent_path_template: '/cn/{{ .Subject.CommonName }}',
    });
    expect((await attest(agent, server)).agentId).toBe(`spiffe://${TD}/spire/agent/cn/db-7`);
  });

  it('refuses a node that signs the challenge with another key', async () => {
    const leaf = pki.intermediate.issueCertificate({ subject: { commonName: 'victim' } });
    const { server } = await halves(pki.nodeFiles('victim', leaf), { ca_bundle_path: pki.bundlePath });
    const thief = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const certificates = [leaf.der, pki.intermediate.certificate.der].map((d) => d.toString('base64'));
    const payload = Buffer.from(JSON.stringify({ certificates }));
    const refused = server.attest(payload, async (c) =>
      Buffer.from(JSON.stringify(respondToX509PopChallenge(thief, c))),
    );
    await expect(refused).rejects.toThrow(
      new PermissionDeniedError(
        'x509pop: challenge response verification failed: ECDSA signature verify failed',
      ),
    );
  });

  it('refuses at start an agent whose key does not match its certificate', async () => {
    const leaf = pki.intermediate.issueCertificate();
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    await expect(
      halves(pki.nodeFiles('mismatch', leaf, other), { ca_bundle_path: pki.bundlePath }),
    ).rejects.toThrow(/does not match the public key of the first certificate/);
  });

  it.each([
    [
      'a certificate of another CA',
      () => TestCa.create({ trustDomain: 'rogue' }).issueCertificate(),
      /no chain|issuer/,
    ],
    [
      'an expired certificate',
      () =>
        pki.intermediate.issueCertificate({
          notBefore: new Date(Date.now() - 7200_000),
          notAfter: new Date(Date.now() - 3600_000),
        }),
      /expired at/,
    ],
  ])('refuses %s before any challenge', async (_what, issue, reason) => {
    const leaf = issue();
    const { agent, server } = await halves(pki.nodeFiles('bad', leaf), { ca_bundle_path: pki.bundlePath });
    const challenges: Buffer[] = [];
    const error = await attest(agent, server, challenges).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect((error as Error).message).toMatch(/^x509pop: certificate verification failed: /);
    expect((error as Error).message).toMatch(reason);
    expect(challenges).toEqual([]);
  });

  it('refuses a leaf without digitalSignature key usage and malformed payloads', async () => {
    const leaf = pki.intermediate.issueCertificate({ keyUsage: ['keyEncipherment'] });
    const { agent, server } = await halves(pki.nodeFiles('ku', leaf), { ca_bundle_path: pki.bundlePath });
    await expect(attest(agent, server)).rejects.toThrow('certificate not intended for digital signature use');
    const noChallenge = async (): Promise<Buffer> => Buffer.alloc(0);
    for (const [payload, message] of [
      ['not json', 'failed to unmarshal attestation data: not JSON'],
      ['{"certificates":[]}', 'no certificate to attest'],
      ['{"certificates":["AAAA"]}', 'unable to parse leaf certificate'],
      [JSON.stringify({ certificates: Array(6).fill('AAAA') }), 'too many intermediate certificates (5 > 4)'],
    ]) {
      const error = await server.attest(Buffer.from(payload), noChallenge).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toContain(message);
    }
  });
});

describe('x509pop mode "spiffe"', () => {
  const td = TestCa.create({ trustDomain: TD });

  async function spiffeNode(spiffeId: string, serverData: Record<string, unknown> = {}) {
    const svid = td.issueX509Svid({ spiffeId });
    const agentData = {
      certificate_path: pki.write(`svid-${svid.certificates[0].x509.serialNumber}.pem`, svid.chainPem),
      private_key_path: pki.write(`svid-${svid.certificates[0].x509.serialNumber}.key`, svid.privateKeyPem),
    };
    return halves(agentData, { mode: 'spiffe', ...serverData }, [td.certificate.x509]);
  }

  it('exchanges an SVID under svid_prefix for an agent ID with the trimmed path', async () => {
    const { agent, server } = await spiffeNode(`spiffe://${TD}/spire-exchange/testhost`);
    expect((await attest(agent, server)).agentId).toBe(`spiffe://${TD}/spire/agent/x509pop/testhost`);
  });

  it('refuses an SVID outside the prefix, and one not issued by the trust domain', async () => {
    const outside = await spiffeNode(`spiffe://${TD}/other/testhost`);
    await expect(attest(outside.agent, outside.server)).rejects.toThrow(
      new PermissionDeniedError('x509pop: x509 cert doesnt match SVID prefix /spire-exchange/'),
    );
    const custom = await spiffeNode(`spiffe://${TD}/hosts/web-1`, { svid_prefix: '/hosts' });
    expect((await attest(custom.agent, custom.server)).agentId).toBe(
      `spiffe://${TD}/spire/agent/x509pop/web-1`,
    );
    const rogue = TestCa.create({ trustDomain: TD }).issueX509Svid({
      spiffeId: `spiffe://${TD}/spire-exchange/x`,
    });
    const { server } = await spiffeNode(`spiffe://${TD}/spire-exchange/y`);
    const payload = Buffer.from(
      JSON.stringify({ certificates: [rogue.certificates[0].der.toString('base64')] }),
    );
    await expect(server.attest(payload, async () => Buffer.alloc(0))).rejects.toThrow(
      /certificate verification failed/,
    );
  });
});

describe('x509pop plugin_data', () => {
  it.each<[Record<string, unknown>, string]>([
    [{}, 'one of ca_bundle_path or ca_bundle_paths must be configured'],
    [{ ca_bundle_path: 'a', ca_bundle_paths: ['b'] }, 'only one of ca_bundle_path or ca_bundle_paths'],
    [
      { mode: 'spiffe', ca_bundle_path: 'a' },
      'you can not use ca_bundle_path or ca_bundle_paths in spiffe mode',
    ],
    [{ mode: 'tofu' }, 'mode'],
    [{ mode: 'spiffe', verify_client_ip: true }, 'verify_client_ip is not supported'],
    [{ mode: 'spiffe', max_intermediates: 0 }, 'max_intermediates'],
    [{ mode: 'spiffe', agent_path_template: '/{{ printf "%s" .Fingerprint }}' }, 'is not supported'],
    [{ mode: 'spiffe', ca_bundle: 'x' }, 'unknown configuration detected'],
  ])('server refuses %j', async (data, message) => {
    const error = await halves({ ...pki.nodeFiles('cfg', pki.intermediate.issueCertificate()) }, data).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toContain(message);
  });

  it('agent requires its key and certificate, or a Workload API socket alone', async () => {
    const files = pki.nodeFiles('agentcfg', pki.intermediate.issueCertificate());
    await expect(halves({ certificate_path: files.certificate_path }, { mode: 'spiffe' })).rejects.toThrow(
      'x509pop: private_key_path is required',
    );
    await expect(
      halves({ ...files, spiffe_endpoint_socket: '/tmp/x.sock' }, { mode: 'spiffe' }),
    ).rejects.toThrow('cannot be combined');
    await expect(
      halves({ ...files, certificate_path: `${pki.dir}/missing.pem` }, { mode: 'spiffe' }),
    ).rejects.toThrow(/unable to read plugin_data.certificate_path/);
  });
});
