/**
 * x509pop over the real AttestAgent stream: a real server (CA bundle of a test node PKI) and a real agent whose
 * node certificate and key are PEM files, as on a VM or a bare-metal host.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type IssuedCertificate, TestCa } from '@lanyard/test-support';
import {
  LogCapture,
  agentConfig,
  agentDir,
  startAgent,
  startTestServer,
  TD,
  type TestServer,
} from '../harness';

const nodeCa = TestCa.create({ trustDomain: 'nodes.example' });
const intermediate = nodeCa.createIntermediate();
let ts: TestServer;
let pkiDir: string;

beforeAll(async () => {
  pkiDir = agentDir();
  const bundlePath = path.join(pkiDir, 'agent-cacert.pem');
  fs.writeFileSync(bundlePath, nodeCa.certificate.pem);
  ts = await startTestServer({
    nodeAttestors: [{ name: 'x509pop', pluginData: { ca_bundle_path: bundlePath } }],
  });
});
afterAll(async () => {
  await ts.stop();
  fs.rmSync(pkiDir, { recursive: true, force: true });
});

/** Writes the node's chain and key and returns the agent's `NodeAttestor "x509pop"` block. */
function nodeAttestorBlock(name: string, leaf: IssuedCertificate): string {
  const certPath = path.join(pkiDir, `${name}.crt.pem`);
  const keyPath = path.join(pkiDir, `${name}.key.pem`);
  fs.writeFileSync(certPath, leaf.pem);
  fs.writeFileSync(path.join(pkiDir, `${name}.chain.pem`), intermediate.certificate.pem);
  fs.writeFileSync(keyPath, leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return `NodeAttestor "x509pop" {
    plugin_data {
      private_key_path = "${keyPath}"
      certificate_path = "${certPath}"
      intermediates_path = "${path.join(pkiDir, `${name}.chain.pem`)}"
    }
  }`;
}

test('an agent with a node certificate attests by proof of possession and gets the fingerprint agent ID', async () => {
  const leaf = intermediate.issueCertificate({ subject: { commonName: 'vm-1.nodes.example' } });
  const fingerprint = createHash('sha1').update(leaf.der).digest('hex');
  const log = new LogCapture();
  const agent = await startAgent(
    agentConfig(ts, agentDir(), undefined, { nodeAttestor: nodeAttestorBlock('vm-1', leaf) }),
    log,
  );
  try {
    expect(agent.identity.svid?.spiffeId).toBe(`spiffe://${TD}/spire/agent/x509pop/${fingerprint}`);
    expect(agent.identity.svid?.reattestable).toBe(true);
    const stored = await new Promise<{ selectors: { type: string; value: string }[] }>((resolve, reject) =>
      ts.admin.agent.GetAgent(
        { id: { trust_domain: TD, path: `/spire/agent/x509pop/${fingerprint}` } },
        (err, res) => (err ? reject(err) : resolve(res as { selectors: { type: string; value: string }[] })),
      ),
    );
    expect(stored.selectors).toEqual(
      expect.arrayContaining([
        { type: 'x509pop', value: 'subject:cn:vm-1.nodes.example' },
        {
          type: 'x509pop',
          value: `ca:fingerprint:${createHash('sha1').update(nodeCa.certificate.der).digest('hex')}`,
        },
      ]),
    );
    expect(log.text).not.toContain('PRIVATE KEY');
  } finally {
    await agent.stop();
  }
});

test.each([
  [
    'a certificate of another CA',
    () => TestCa.create({ trustDomain: 'rogue' }).issueCertificate(),
    /no chain/,
  ],
  [
    'an expired node certificate',
    () =>
      intermediate.issueCertificate({
        notBefore: new Date(Date.now() - 7200_000),
        notAfter: new Date(Date.now() - 3600_000),
      }),
    /expired at/,
  ],
])('the server refuses %s with PermissionDenied', async (name, issue, reason) => {
  const config = agentConfig(ts, agentDir(), undefined, {
    nodeAttestor: nodeAttestorBlock(name.replace(/ /g, '-'), issue()),
  });
  const error = await startAgent(config, new LogCapture()).catch((e: unknown) => e);
  expect((error as Error).message).toMatch(
    /code = PermissionDenied.*x509pop: certificate verification failed/,
  );
  expect((error as Error).message).toMatch(reason);
});
