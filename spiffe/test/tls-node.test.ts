import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type * as tls from 'node:tls';
import { TestCa, WorkloadApiTestServer } from '@lanyard/test-support';
import {
  X509Source,
  attachSpiffeTls,
  authorizeAny,
  authorizeId,
  authorizeMemberOf,
  createSpiffeTlsServer,
  peerSpiffeId,
  spiffeMtlsClientOptions,
  spiffeTlsClientOptions,
  spiffeTlsServerOptions,
  type Authorizer,
  type TlsSource,
} from '../src';
import { AuthorizationError, X509SvidError } from '../src';
import { closeServer, exchange, fixedSource, listen } from './tls-helpers';
import { FAST_BACKOFF, Inbox } from './workloadapi-helpers';

describe('TLS helpers over real handshakes', () => {
  const ca = TestCa.create({ trustDomain: 'example.org' });
  const fed = TestCa.create({ trustDomain: 'fed.test' });
  const serverSvid = ca.issueX509Svid({ spiffeId: 'spiffe://example.org/server' });
  const clientSvid = ca.createIntermediate().issueX509Svid({ spiffeId: 'spiffe://example.org/client' });
  const serverSource = fixedSource(serverSvid, ca, fed);
  const clientSource = fixedSource(clientSvid, ca);
  const servers: tls.Server[] = [];

  afterEach(async () => {
    await Promise.all(servers.splice(0).map(closeServer));
  });

  async function startServer(source: TlsSource, authorizer?: Authorizer, errors?: Inbox<Error>) {
    const server = createSpiffeTlsServer(source, { authorizer, onError: errors?.push }, (socket) =>
      socket.end(`hello ${peerSpiffeId(socket) ?? 'anonymous'}`),
    );
    servers.push(server);
    return listen(server);
  }

  it('completes mTLS with both sides authorized by SPIFFE ID (client chain through an intermediate)', async () => {
    const port = await startServer(serverSource, authorizeId('spiffe://example.org/client'));
    const result = await exchange(
      port,
      spiffeMtlsClientOptions(clientSource, authorizeId('spiffe://example.org/server')),
    );
    expect(result.error).toBeUndefined();
    expect(result.data).toBe('hello spiffe://example.org/client');
    expect(result.serverSerial).toBe(serverSvid.certificates[0].x509.serialNumber);
  });

  it('server refuses a client whose ID the authorizer rejects', async () => {
    const errors = new Inbox<Error>();
    const port = await startServer(serverSource, authorizeId('spiffe://example.org/admin'), errors);
    const result = await exchange(port, spiffeMtlsClientOptions(clientSource, authorizeAny()));
    expect(result.data).toBeUndefined();
    const err = await errors.next();
    expect(err).toBeInstanceOf(AuthorizationError);
    expect(err.message).toBe(
      'peer "spiffe://example.org/client" is not authorized: expected "spiffe://example.org/admin"',
    );
  });

  it('client refuses a server whose ID the authorizer rejects', async () => {
    const port = await startServer(serverSource, authorizeAny());
    const result = await exchange(
      port,
      spiffeMtlsClientOptions(clientSource, authorizeId('spiffe://example.org/db')),
    );
    expect(result.error).toBeInstanceOf(AuthorizationError);
    expect(result.error?.message).toMatch(/"spiffe:\/\/example.org\/server" is not authorized/);
  });

  it('refuses a chain issued by another trust domain even though its root is trusted', async () => {
    const forged = fed.issueX509Svid({ spiffeId: 'spiffe://example.org/client' });
    const errors = new Inbox<Error>();
    const port = await startServer(serverSource, authorizeMemberOf('example.org'), errors);
    const result = await exchange(port, spiffeMtlsClientOptions(fixedSource(forged, ca), authorizeAny()));
    expect(result.data).toBeUndefined();
    expect(await errors.next()).toBeInstanceOf(X509SvidError);
  });

  it('refuses a client without a certificate, or with one from an unknown CA', async () => {
    const port = await startServer(serverSource, authorizeAny());
    const anonymous = await exchange(port, spiffeTlsClientOptions(clientSource, authorizeAny()));
    expect(anonymous.data).toBeUndefined();
    const stranger = TestCa.create({ trustDomain: 'example.org' }).issueX509Svid({
      spiffeId: 'spiffe://example.org/client',
    });
    const unknown = await exchange(port, spiffeMtlsClientOptions(fixedSource(stranger, ca), authorizeAny()));
    expect(unknown.data).toBeUndefined();
  });

  it('client refuses a server whose certificate does not chain to its trust domain bundle', async () => {
    const impostor = TestCa.create({ trustDomain: 'example.org' });
    const port = await startServer(
      fixedSource(impostor.issueX509Svid({ spiffeId: 'spiffe://example.org/server' }), ca),
    );
    const result = await exchange(port, spiffeTlsClientOptions(clientSource, authorizeAny()));
    expect(result.error).toBeDefined();
    expect(result.data).toBeUndefined();
  });

  it('serves server-authenticated TLS without client certificates', async () => {
    const port = await startServer(serverSource);
    const result = await exchange(
      port,
      spiffeTlsClientOptions(clientSource, authorizeMemberOf('example.org')),
    );
    expect(result.data).toBe('hello anonymous');
  });

  it('works for https servers and requests', async () => {
    const server = https.createServer(spiffeTlsServerOptions(serverSource, { mtls: true }), (req, res) => {
      res.end(`hello ${peerSpiffeId(req.socket as tls.TLSSocket)}`);
    });
    attachSpiffeTls(server, serverSource, { authorizer: authorizeMemberOf('example.org') });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const body = await new Promise<string>((resolve, reject) => {
      const options = spiffeMtlsClientOptions(clientSource, authorizeId('spiffe://example.org/server'));
      const req = https.request({ ...options, host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    expect(body).toBe('hello spiffe://example.org/client');
  });

  it('https server destroys refused connections and keeps listening', async () => {
    const errors = new Inbox<Error>();
    const server = https.createServer(spiffeTlsServerOptions(serverSource, { mtls: true }), (_req, res) =>
      res.end('ok'),
    );
    attachSpiffeTls(server, serverSource, {
      authorizer: authorizeId('spiffe://example.org/admin'),
      onError: errors.push,
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const options = spiffeMtlsClientOptions(clientSource, authorizeAny());
    const outcome = await new Promise<string>((resolve) => {
      const req = https.request({ ...options, host: '127.0.0.1', port, agent: false }, () =>
        resolve('response'),
      );
      req.on('error', (err) => resolve(`error: ${err.message}`));
      req.end();
    });
    expect(outcome).toMatch(/^error: /);
    expect(await errors.next()).toBeInstanceOf(AuthorizationError);
    expect(server.listening).toBe(true);
  });

  it('presents the client SVID current at connection time', async () => {
    const api = await WorkloadApiTestServer.start();
    api.setX509Context({ svids: [clientSvid] });
    const source = await X509Source.create({
      clientOptions: { address: api.address, backoff: FAST_BACKOFF },
    });
    try {
      const port = await startServer(serverSource, authorizeMemberOf('example.org'));
      const connect = () => exchange(port, spiffeMtlsClientOptions(source, authorizeAny()));
      expect((await connect()).data).toBe('hello spiffe://example.org/client');
      const updated = new Inbox<void>();
      source.onUpdate(() => updated.push(undefined));
      api.setX509Context({ svids: [ca.issueX509Svid({ spiffeId: 'spiffe://example.org/client-v2' })] });
      await updated.next();
      expect((await connect()).data).toBe('hello spiffe://example.org/client-v2');
    } finally {
      await source.close();
      await api.close();
    }
  });

  it('follows SVID rotation from the Workload API without restarting the listener', async () => {
    const api = await WorkloadApiTestServer.start();
    api.setX509Context({ svids: [serverSvid] });
    const source = await X509Source.create({
      clientOptions: { address: api.address, backoff: FAST_BACKOFF },
    });
    try {
      const server = createSpiffeTlsServer(source, { authorizer: authorizeAny() }, (socket) =>
        socket.end('ok'),
      );
      servers.push(server);
      const port = await listen(server);
      const options = () => spiffeMtlsClientOptions(clientSource, authorizeId('spiffe://example.org/server'));
      expect((await exchange(port, options())).serverSerial).toBe(
        serverSvid.certificates[0].x509.serialNumber,
      );

      const rotated = ca.issueX509Svid({ spiffeId: 'spiffe://example.org/server' });
      const updated = new Inbox<void>();
      source.onUpdate(() => updated.push(undefined));
      api.setX509Context({ svids: [rotated] });
      await updated.next();
      const after = await exchange(port, options());
      expect(after.serverSerial).toBe(rotated.certificates[0].x509.serialNumber);
      expect(server.listening).toBe(true);
    } finally {
      await source.close();
      await api.close();
    }
  });
});
