import * as fs from 'node:fs';
import * as path from 'node:path';
import { TestCa, WorkloadApiTestServer } from '@lanyard/test-support';
import { SPIFFE_ENDPOINT_SOCKET } from '../src';
import { waitUntil } from './workloadapi-helpers';
import { idsExample } from '../examples/ids';
import { jwtExample } from '../examples/jwt';
import { x509SourceExample } from '../examples/x509-source';

const examplesDir = path.join(__dirname, '..', 'examples');

describe('README examples (spiffe/examples/*.ts) run against a real in-process Workload API server', () => {
  const ca = TestCa.create({ trustDomain: 'example.org' });
  let server: WorkloadApiTestServer;
  let savedSocket: string | undefined;

  beforeAll(async () => {
    server = await WorkloadApiTestServer.start();
    savedSocket = process.env[SPIFFE_ENDPOINT_SOCKET];
    process.env[SPIFFE_ENDPOINT_SOCKET] = server.address;
    const jwtKey = ca.createJwtKey({ kid: 'k1' });
    server.setX509Context({ svids: [ca.issueX509Svid({ spiffeId: 'spiffe://example.org/web' })] });
    server.setJwtBundles({ 'spiffe://example.org': ca.jwks() });
    server.setJwtIdentities([{ spiffeId: 'spiffe://example.org/web', key: jwtKey }]);
  });

  afterAll(async () => {
    if (savedSocket === undefined) delete process.env[SPIFFE_ENDPOINT_SOCKET];
    else process.env[SPIFFE_ENDPOINT_SOCKET] = savedSocket;
    await server.close();
  });

  it('every example file is quoted verbatim in spiffe/README.md', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const files = fs.readdirSync(examplesDir).filter((f) => f.endsWith('.ts'));
    expect(files.sort()).toEqual(['ids.ts', 'jwt.ts', 'x509-source.ts']);
    for (const file of files) {
      const body = fs.readFileSync(path.join(examplesDir, file), 'utf8').trimEnd();
      expect({ file, quoted: readme.includes('```ts\n' + body + '\n```') }).toEqual({ file, quoted: true });
    }
  });

  it('ids.ts', () => {
    expect(idsExample()).toEqual({
      id: 'spiffe://example.org/ns/prod/sa/web',
      built: 'spiffe://example.org/ns/prod',
      rule: 'dot-segment',
      code: 'ERR_SPIFFE_ID_DOT_SEGMENT',
    });
  });

  it('x509-source.ts', async () => {
    expect(await x509SourceExample()).toEqual({
      id: 'spiffe://example.org/web',
      watched: ['spiffe://example.org/web'],
    });
    await waitUntil(() => server.openStreams('FetchX509SVID') === 0);
  });

  it('jwt.ts', async () => {
    expect(await jwtExample()).toEqual({
      subject: 'spiffe://example.org/web',
      refusedWith: 'ERR_JWT_SVID_AUDIENCE',
    });
  });
});
