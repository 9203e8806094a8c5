import * as grpc from '@grpc/grpc-js';
import { TestCa, type TestX509Svid } from '@lanyard/test-support';
import type { Caller } from '../../src/auth/caller';
import type { SurfaceCall } from '../../src/api/boundary';
import { PeerIdentityResolver } from '../../src/endpoints/peer-identity';
import { tlsSessionOf } from '../../src/endpoints/tls-session';
import { RotatingServerCredentials } from '../../src/endpoints/tls-credentials';

/** What the test service saw of one call. */
interface Seen {
  caller: Caller;
  session: object | undefined;
}

const passBuffer = (b: Buffer): Buffer => b;
const SERVICE: grpc.ServiceDefinition = {
  Who: {
    path: '/lanyard.test.Peer/Who',
    requestStream: false,
    responseStream: false,
    requestSerialize: passBuffer,
    requestDeserialize: passBuffer,
    responseSerialize: passBuffer,
    responseDeserialize: passBuffer,
  },
  WhoStream: {
    path: '/lanyard.test.Peer/WhoStream',
    requestStream: false,
    responseStream: true,
    requestSerialize: passBuffer,
    requestDeserialize: passBuffer,
    responseSerialize: passBuffer,
    responseDeserialize: passBuffer,
  },
};
const Client = grpc.makeGenericClientConstructor(SERVICE, 'Peer');

const ca = TestCa.create({ trustDomain: 'example.org' });
const serverCert = ca.issueCertificate({
  dnsNames: ['localhost'],
  uris: ['spiffe://example.org/spire/server'],
});
let server: grpc.Server;
let port: number;
const seen: Seen[] = [];
const clients: grpc.Client[] = [];

beforeAll(async () => {
  const resolver = new PeerIdentityResolver('example.org');
  const record = (call: SurfaceCall): void => {
    seen.push({ caller: resolver.resolve(call), session: tlsSessionOf(call)?.session });
  };
  server = new grpc.Server();
  server.addService(SERVICE, {
    Who: (call: grpc.ServerUnaryCall<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => {
      record(call);
      done(null, Buffer.alloc(0));
    },
    WhoStream: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
      record(call);
      call.end();
    },
  });
  const credentials = new RotatingServerCredentials({
    cert: serverCert.pem,
    key: serverCert.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    ca: [ca.certificate.pem],
  });
  port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', credentials, (err, bound) => (err ? reject(err) : resolve(bound))),
  );
});

afterAll(async () => {
  for (const client of clients) client.close();
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
});

function connect(svid?: TestX509Svid): grpc.Client {
  const credentials = grpc.credentials.createSsl(
    Buffer.from(ca.certificate.pem),
    svid ? Buffer.from(svid.privateKeyPem) : null,
    svid ? Buffer.from(svid.chainPem) : null,
    { checkServerIdentity: () => undefined },
  );
  const client = new Client(`localhost:${port}`, credentials);
  clients.push(client);
  return client;
}

/** Makes one unary call and returns what the server saw of it. */
function who(client: grpc.Client): Promise<Seen> {
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(SERVICE.Who.path, passBuffer, passBuffer, Buffer.alloc(0), (err) =>
      err ? reject(err) : resolve(seen[seen.length - 1]),
    ),
  );
}

/** Makes one server-streaming call and returns what the server saw of it. */
function whoStream(client: grpc.Client): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const stream = client.makeServerStreamRequest(
      SERVICE.WhoStream.path,
      passBuffer,
      passBuffer,
      Buffer.alloc(0),
    );
    stream.on('data', () => undefined);
    stream.on('error', reject);
    stream.on('end', () => resolve(seen[seen.length - 1]));
  });
}

test('an agent SVID names the caller: SPIFFE ID, decimal serial and expiry, on unary and streaming calls', async () => {
  const svid = ca.issueX509Svid({ spiffeId: 'spiffe://example.org/spire/agent/join_token/abc' });
  const leaf = svid.certificates[0].x509;
  const client = connect(svid);
  for (const seenCall of [await who(client), await whoStream(client)]) {
    expect(seenCall.caller).toMatchObject({
      local: false,
      spiffeId: 'spiffe://example.org/spire/agent/join_token/abc',
      certSerial: BigInt(`0x${leaf.serialNumber}`).toString(10),
      certNotAfter: Math.floor(Date.parse(leaf.validTo) / 1000),
    });
    expect(seenCall.caller.addr).toMatch(/^127\.0\.0\.1:\d+$/);
  }
});

test('grpc-js call objects lead to the HTTP/2 session: one per connection, the same for every call on it', async () => {
  const first = connect(ca.issueX509Svid({ spiffeId: 'spiffe://example.org/a' }));
  const second = connect(ca.issueX509Svid({ spiffeId: 'spiffe://example.org/b' }));
  const calls = [await who(first), await whoStream(first), await who(second), await who(first)];
  for (const call of calls) expect(call.session).toBeDefined();
  expect(calls[1].session).toBe(calls[0].session);
  expect(calls[3].session).toBe(calls[0].session);
  expect(calls[2].session).not.toBe(calls[0].session);
  expect(calls.map((c) => c.caller.spiffeId)).toEqual([
    'spiffe://example.org/a',
    'spiffe://example.org/a',
    'spiffe://example.org/b',
    'spiffe://example.org/a',
  ]);
});

test.each([
  ['no client certificate', (): TestX509Svid | undefined => undefined],
  [
    'a certificate that does not chain to the trust bundle',
    () => TestCa.create({ trustDomain: 'example.org' }).issueX509Svid({ spiffeId: 'spiffe://example.org/x' }),
  ],
  ['an SVID of a foreign trust domain', () => ca.issueX509Svid({ spiffeId: 'spiffe://other.org/x' })],
  ['a trust-domain ID without a path', () => ca.issueX509Svid({ spiffeId: 'spiffe://example.org' })],
  ['a URI SAN that is not a SPIFFE ID', () => ca.issueX509Svid({ spiffeId: 'https://example.org/x' })],
])('%s leaves the caller unauthenticated', async (_name, svidOf) => {
  const seenCall = await who(connect(svidOf()));
  expect(seenCall.session).toBeDefined();
  expect(seenCall.caller.spiffeId).toBeUndefined();
  expect(seenCall.caller.certSerial).toBeUndefined();
});

test('a call whose session cannot be reached is named from the auth context grpc-js reports', () => {
  const svid = ca.issueX509Svid({ spiffeId: 'spiffe://example.org/workload' });
  const leaf = svid.certificates[0].x509;
  const call = (raw: Buffer | undefined): SurfaceCall => ({
    getPeer: () => '10.0.0.1:5000',
    getAuthContext: () => ({
      transportSecurityType: 'ssl',
      sslPeerCertificate:
        raw === undefined ? undefined : ({ raw, fingerprint256: leaf.fingerprint256 } as never),
    }),
    cancelled: false,
    getDeadline: () => Infinity,
  });
  const resolver = new PeerIdentityResolver('example.org');
  expect(tlsSessionOf(call(leaf.raw))).toBeUndefined();
  expect(resolver.resolve(call(leaf.raw))).toEqual({
    addr: '10.0.0.1:5000',
    local: false,
    spiffeId: 'spiffe://example.org/workload',
    certSerial: BigInt(`0x${leaf.serialNumber}`).toString(10),
    certNotAfter: Math.floor(Date.parse(leaf.validTo) / 1000),
  });
  expect(resolver.resolve(call(undefined))).toEqual({ addr: '10.0.0.1:5000', local: false });
});
