/**
 * StreamSecrets driven like Envoy drives it: subscribe, ACK, NACK, pushes on rotation and bundle change.
 * "Nothing was sent" is shown without sleeping: once the server has logged taking in a request, the next
 * response after a later, known event must be that event's push.
 */
import { X509Certificate } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { DiscoveryResponse__Output, SecretDiscoveryServiceClient } from '@lanyard/proto';
import { TestCa } from '@lanyard/test-support';
import {
  eventually,
  issueSvid,
  makeEntry,
  makeTrustDomain,
  spiffeBundle,
  startApi,
  type RunningApi,
} from '../../workload-fixtures';
import {
  certificateOf,
  decodeSecrets,
  parsePemCertificates,
  RecordingLogger,
  sdsClient,
  signedByOneOf,
  XdsStream,
} from './sds-fixtures';

const uid = process.getuid!();
const mine = `test:uid:${uid}`;
const WEB = 'spiffe://example.org/web';
let api: RunningApi;
let client: SecretDiscoveryServiceClient;
let log: RecordingLogger;

beforeEach(async () => {
  log = new RecordingLogger();
  api = await startApi({ server: { logger: log } });
  client = sdsClient(api.socketPath);
});

afterEach(async () => {
  client.close();
  await api.close();
});

function addIdentity(id: string, spiffeId: string, selectors = [mine]) {
  const entry = makeEntry(id, spiffeId, selectors);
  api.cache.updateEntries([...api.cache.entries().filter((e) => e.entryId !== id), entry]);
  api.cache.setSvid(id, issueSvid(api.td.ca, entry));
  return entry;
}

function rotate(id: string): string {
  const entry = api.cache.entries().find((e) => e.entryId === id)!;
  const svid = issueSvid(api.td.ca, entry);
  api.cache.setSvid(id, svid);
  return new X509Certificate(svid.certChainDer[0]).serialNumber;
}

function leafSerial(response: DiscoveryResponse__Output, name: string): string {
  const secret = decodeSecrets(response).find((s) => s.name === name)!;
  return certificateOf(secret).chain[0].serialNumber;
}

/** Sends a request and waits until the server has taken it in (it is then handled synchronously). */
async function sendHandled(stream: XdsStream, request: Parameters<XdsStream['send']>[0]): Promise<void> {
  const before = log.requestsHandled;
  stream.send(request);
  await eventually(() => log.requestsHandled > before);
}

function ack(stream: XdsStream, names: string[], response: DiscoveryResponse__Output): Promise<void> {
  return sendHandled(stream, {
    resource_names: names,
    version_info: response.version_info,
    response_nonce: response.nonce,
  });
}

test('initial request → version and nonce; ACK → silence; rotation → push with a new version and nonce', async () => {
  addIdentity('e1', WEB);
  const stream = new XdsStream(client);
  stream.send({ resource_names: [WEB], version_info: '', response_nonce: '', node: { id: 'envoy-1' } });
  const first = await stream.next();
  expect(first.version_info).toBe('1');
  expect(first.nonce).toMatch(/^[0-9a-f]{8}$/);
  const cert = certificateOf(decodeSecrets(first)[0]);
  expect(cert.chain[0].subjectAltName).toBe(`URI:${WEB}`);
  expect(cert.chain[0].checkPrivateKey(cert.key)).toBe(true);
  expect(
    signedByOneOf(
      cert.chain[0],
      api.td.ca.bundle().map((d) => new X509Certificate(d)),
    ),
  ).toBe(true);

  await ack(stream, [WEB], first);
  const rotated = rotate('e1');
  const push = await stream.next();
  expect(push.version_info).toBe('2');
  expect(push.nonce).not.toBe(first.nonce);
  expect(leafSerial(push, WEB)).toBe(rotated);
  expect(leafSerial(push, WEB)).not.toBe(leafSerial(first, WEB));
  stream.cancel();
});

test('a NACK (error_detail, old version) is logged and not answered with a resend', async () => {
  addIdentity('e1', WEB);
  const stream = new XdsStream(client);
  stream.send({ resource_names: [WEB] });
  const first = await stream.next();
  await ack(stream, [WEB], first);
  rotate('e1');
  const second = await stream.next();
  expect(second.version_info).toBe('2');
  await sendHandled(stream, {
    resource_names: [WEB],
    version_info: first.version_info,
    response_nonce: second.nonce,
    error_detail: { code: 3, message: 'bad certificate' },
  });
  const rotated = rotate('e1');
  const third = await stream.next();
  expect(third.version_info).toBe('3');
  expect(leafSerial(third, WEB)).toBe(rotated);
  expect(log.withMessage('Envoy reported errors applying secrets')[0].fields).toMatchObject({
    error: 'bad certificate',
  });
  expect(log.withMessage('Client rejected expected version and rolled back')[0].fields).toEqual({
    version_info: '1',
    expect: '2',
  });
  expect(JSON.stringify(log.lines)).not.toContain('PRIVATE KEY');
  stream.cancel();
});

test('a request with a stale nonce is ignored; a changed resource list is answered at once', async () => {
  addIdentity('e1', WEB);
  addIdentity('e2', 'spiffe://example.org/db');
  const stream = new XdsStream(client);
  stream.send({ resource_names: [WEB] });
  const first = await stream.next();
  await sendHandled(stream, { resource_names: ['ROOTCA'], version_info: '1', response_nonce: 'deadbeef' });
  expect(log.withMessage('Received unexpected nonce; ignoring request')[0].fields).toEqual({
    nonce: 'deadbeef',
    expect: first.nonce,
  });
  stream.send({ resource_names: [WEB, 'ROOTCA'], version_info: '1', response_nonce: first.nonce });
  const second = await stream.next();
  expect(second.version_info).toBe('1');
  expect(decodeSecrets(second).map((s) => s.name)).toEqual(['ROOTCA', WEB]);
  stream.cancel();
});

test('a bundle change is pushed with the new roots; an unrelated cache change is not', async () => {
  addIdentity('e1', WEB);
  const stream = new XdsStream(client);
  stream.send({ resource_names: ['ROOTCA'] });
  const first = await stream.next();
  await ack(stream, ['ROOTCA'], first);
  addIdentity('e9', 'spiffe://example.org/someone-else', ['test:uid:99999']);
  // The cache notifies subscribers in a microtask; let that notification run before the bundle changes.
  await new Promise((resolve) => setImmediate(resolve));
  const newRoot = TestCa.create({ trustDomain: 'example.org' });
  api.cache.setBundle(spiffeBundle('example.org', [...api.td.ca.bundle(), ...newRoot.bundle()]));
  const push = await stream.next();
  expect(push.version_info).toBe('2');
  const [ctx] = decodeSecrets(push);
  const roots = parsePemCertificates(ctx.validator!.trust_domains[0].trust_bundle!.inline_bytes!);
  expect(roots.map((c) => c.fingerprint256)).toContain(
    new X509Certificate(newRoot.bundle()[0]).fingerprint256,
  );
  expect(roots).toHaveLength(2);
  stream.cancel();
});

test('the first answer waits for the SVIDs of every matching entry', async () => {
  const entry = makeEntry('e1', WEB, [mine]);
  api.cache.updateEntries([entry]);
  const stream = new XdsStream(client);
  stream.send({ resource_names: [] });
  await eventually(() => api.server.activeStreams === 1);
  api.cache.setSvid('e1', issueSvid(api.td.ca, entry));
  const first = await stream.next();
  expect(decodeSecrets(first).map((s) => s.name)).toEqual(['spiffe://example.org', WEB]);
  stream.cancel();
});

test('the node of the first request still decides the validator when later requests omit it', async () => {
  addIdentity('e1', WEB);
  const stream = new XdsStream(client);
  const node = { metadata: { fields: { disable_spiffe_cert_validation: { boolValue: true } } } };
  stream.send({ resource_names: ['ROOTCA'], node });
  const first = await stream.next();
  expect(decodeSecrets(first)[0].secret.validation_context?.trusted_ca).toBeTruthy();
  stream.send({ resource_names: ['ROOTCA', WEB], version_info: '1', response_nonce: first.nonce });
  const second = await stream.next();
  expect(decodeSecrets(second)[0].secret.validation_context?.trusted_ca).toBeTruthy();
  expect(decodeSecrets(second)[0].validator).toBeUndefined();
  stream.cancel();
});

test('a caller matching no entry gets the own validation context; an SVID name ends the stream INVALID_ARGUMENT', async () => {
  addIdentity('e1', WEB, ['test:uid:99999']);
  const ok = new XdsStream(client);
  ok.send({ resource_names: [] });
  expect(decodeSecrets(await ok.next()).map((s) => s.name)).toEqual(['spiffe://example.org']);
  ok.cancel();
  const refused = new XdsStream(client);
  refused.send({ resource_names: [WEB] });
  const status = await refused.ended;
  expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(status.details).toContain(WEB);
});

test('a federated bundle is pushed once the entry federates with it', async () => {
  addIdentity('e1', WEB);
  const other = makeTrustDomain('other.org');
  const stream = new XdsStream(client);
  stream.send({ resource_names: [] });
  const first = await stream.next();
  expect(decodeSecrets(first).map((s) => s.name)).toEqual(['spiffe://example.org', WEB]);
  await ack(stream, [], first);
  api.cache.setFederatedBundles([other.bundle]);
  api.cache.updateEntries([makeEntry('e1', WEB, [mine], { federatesWith: ['other.org'] })]);
  const push = await stream.next();
  expect(decodeSecrets(push).map((s) => s.name)).toEqual(['spiffe://example.org', 'spiffe://other.org', WEB]);
  stream.cancel();
});

test('a client half-close ends the stream OK and releases it', async () => {
  addIdentity('e1', WEB);
  const stream = new XdsStream(client);
  stream.send({ resource_names: [WEB] });
  await stream.next();
  stream.call.end();
  expect((await stream.ended).code).toBe(grpc.status.OK);
  await eventually(() => api.server.activeStreams === 0);
});

test('a cancelled stream is released', async () => {
  addIdentity('e1', WEB);
  const stream = new XdsStream(client);
  stream.send({ resource_names: [WEB] });
  await stream.next();
  expect(api.server.activeStreams).toBe(1);
  stream.cancel();
  expect((await stream.ended).code).toBe(grpc.status.CANCELLED);
  await eventually(() => api.server.activeStreams === 0);
});
