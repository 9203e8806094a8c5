import * as grpc from '@grpc/grpc-js';
import { loadWorkloadApi, type SpiffeWorkloadAPIClient, type X509SVIDResponse__Output } from '@lanyard/proto';
import { TestCa } from '../src/test-ca';
import { WorkloadApiTestServer } from '../src/workload-api-server';

function header(value = 'true'): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('workload.spiffe.io', value);
  return md;
}

function firstMessage<T>(stream: grpc.ClientReadableStream<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    stream.once('data', (msg: T) => {
      resolve(msg);
      stream.cancel();
    });
    stream.on('error', reject);
  });
}

function streamError(stream: grpc.ClientReadableStream<unknown>): Promise<grpc.ServiceError> {
  return new Promise((resolve) => stream.on('error', resolve).on('data', () => undefined));
}

describe('WorkloadApiTestServer', () => {
  const ca = TestCa.create({ trustDomain: 'example.org' });
  const fed = TestCa.create({ trustDomain: 'fed.test' });
  const jwtKey = ca.createJwtKey({ kid: 'k1' });
  const svid = ca.issueX509Svid({ spiffeId: 'spiffe://example.org/web' });
  let server: WorkloadApiTestServer;
  let client: SpiffeWorkloadAPIClient;

  beforeEach(async () => {
    server = await WorkloadApiTestServer.start();
    const Client = loadWorkloadApi().SpiffeWorkloadAPI;
    client = new Client(server.address, grpc.credentials.createInsecure());
  });

  afterEach(async () => {
    client.close();
    await server.close();
  });

  it('serves the X.509 context and pushes updates to open streams', async () => {
    server.setX509Context({
      svids: [{ ...svid, hint: 'internal' }],
      federatedBundles: { 'spiffe://fed.test': fed.bundle() },
    });
    const stream = client.FetchX509SVID({}, header());
    const messages: X509SVIDResponse__Output[] = [];
    await new Promise<void>((resolve) => {
      stream.on('data', (msg: X509SVIDResponse__Output) => {
        messages.push(msg);
        if (messages.length === 1)
          server.setX509Context({ svids: [ca.issueX509Svid({ spiffeId: 'spiffe://example.org/web2' })] });
        else resolve();
      });
    });
    stream.on('error', () => undefined);
    stream.cancel();
    expect(messages[0].svids[0]).toMatchObject({ spiffe_id: 'spiffe://example.org/web', hint: 'internal' });
    expect(messages[0].svids[0].x509_svid).toEqual(svid.chainDer);
    expect(messages[0].svids[0].x509_svid_key).toEqual(svid.privateKeyDer);
    expect(messages[0].federated_bundles['spiffe://fed.test']).toEqual(fed.certificate.der);
    expect(messages[1].svids[0].spiffe_id).toBe('spiffe://example.org/web2');
    expect(messages[1].federated_bundles).toEqual({});
  });

  it('rejects calls without the exact security header with INVALID_ARGUMENT', async () => {
    server.setX509Context({ svids: [svid] });
    const missing = await streamError(client.FetchX509SVID({}));
    expect(missing.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(missing.details).toBe('security header missing from request');
    const wrong = await streamError(client.FetchX509Bundles({}, header('True')));
    expect(wrong.code).toBe(grpc.status.INVALID_ARGUMENT);
    const unary = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.FetchJWTSVID({ audience: ['a'] }, (err) => resolve(err)),
    );
    expect(unary?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(server.calls.map((c) => c.securityHeader)).toEqual([[], ['True'], []]);
  });

  it('answers PERMISSION_DENIED without identity and injected errors when set', async () => {
    expect((await streamError(client.FetchX509SVID({}, header()))).code).toBe(grpc.status.PERMISSION_DENIED);
    server.setJwtBundles({ 'spiffe://example.org': ca.jwks() });
    server.setError('FetchJWTBundles', { code: grpc.status.UNAVAILABLE, details: 'starting' });
    const err = await streamError(client.FetchJWTBundles({}, header()));
    expect([err.code, err.details]).toEqual([grpc.status.UNAVAILABLE, 'starting']);
    server.setError('FetchJWTBundles', null);
    const msg = await firstMessage(client.FetchJWTBundles({}, header()));
    expect(JSON.parse(msg.bundles['spiffe://example.org'].toString())).toEqual(ca.jwks());
  });

  it('derives X.509 bundles from the context and ends streams on demand', async () => {
    server.setX509Context({ svids: [svid], federatedBundles: { 'spiffe://fed.test': fed.bundle() } });
    const stream = client.FetchX509Bundles({}, header());
    const first = await new Promise<{ bundles: Record<string, Buffer> }>((resolve) =>
      stream.once('data', resolve),
    );
    expect(Object.keys(first.bundles).sort()).toEqual(['spiffe://example.org', 'spiffe://fed.test']);
    expect(server.openStreams('FetchX509Bundles')).toBe(1);
    const ended = streamError(stream);
    server.endStreams('FetchX509Bundles', { code: grpc.status.PERMISSION_DENIED });
    expect((await ended).code).toBe(grpc.status.PERMISSION_DENIED);
  });

  it('mints JWT-SVIDs and validates them with ValidateJWTSVID', async () => {
    server.setJwtIdentities([{ spiffeId: 'spiffe://example.org/web', key: jwtKey }]);
    server.setJwtBundles({ 'spiffe://example.org': ca.jwks() });
    const fetched = await new Promise<{ svids: { svid: string; spiffe_id: string }[] }>((resolve, reject) =>
      client.FetchJWTSVID({ audience: ['db'] }, header(), (err, res) => (err ? reject(err) : resolve(res!))),
    );
    const token = fetched.svids[0].svid;
    const validated = await new Promise<{ spiffe_id: string; claims: unknown }>((resolve, reject) =>
      client.ValidateJWTSVID({ audience: 'db', svid: token }, header(), (err, res) =>
        err ? reject(err) : resolve(res!),
      ),
    );
    expect(validated.spiffe_id).toBe('spiffe://example.org/web');
    expect(validated.claims).toMatchObject({
      fields: {
        sub: { stringValue: 'spiffe://example.org/web' },
        aud: { listValue: { values: [{ stringValue: 'db' }] } },
      },
    });
    const wrongAud = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.ValidateJWTSVID({ audience: 'other', svid: token }, header(), (err) => resolve(err)),
    );
    expect(wrongAud?.code).toBe(grpc.status.INVALID_ARGUMENT);
    const notEntitled = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.FetchJWTSVID({ audience: ['db'], spiffe_id: 'spiffe://example.org/x' }, header(), (err) =>
        resolve(err),
      ),
    );
    expect(notEntitled?.code).toBe(grpc.status.PERMISSION_DENIED);
  });

  it('stops and restarts on the same socket with the same state', async () => {
    server.setX509Context({ svids: [svid] });
    const stream = client.FetchX509SVID({}, header());
    await new Promise((resolve) => stream.once('data', resolve));
    const lost = streamError(stream);
    await server.stop();
    expect((await lost).code).toBe(grpc.status.UNAVAILABLE);
    await server.restart();
    const again = client.FetchX509SVID({}, header());
    await new Promise((resolve) => again.once('data', resolve));
    const dropped = streamError(again);
    await server.stop({ abrupt: true });
    expect((await dropped).code).not.toBe(grpc.status.OK);
    await server.restart();
    const msg = await firstMessage(client.FetchX509SVID({}, header()));
    expect(msg.svids[0].spiffe_id).toBe('spiffe://example.org/web');
  });
});
