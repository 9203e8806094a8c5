import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

/** Runs `script` in a fresh Node process from the repository root (so `@lanyard/spiffe` resolves via npm). */
function runNode(script: string): string {
  return execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' });
}

const LOADED_GRPC = `Object.keys(require.cache).some((f) => f.includes('${path.sep}@grpc${path.sep}grpc-js${path.sep}'))`;

describe('@lanyard/spiffe subpath exports (built dist)', () => {
  beforeAll(() => {
    if (!fs.existsSync(path.join(root, 'spiffe', 'dist', 'id', 'index.js'))) {
      throw new Error('spiffe/dist is missing: run `npm run build` first');
    }
  });

  it.each(['id', 'x509', 'jwt', 'bundle', 'errors'])(
    '@lanyard/spiffe/%s loads without @grpc/grpc-js',
    (subpath) => {
      const out = runNode(
        `const m = require('@lanyard/spiffe/${subpath}'); console.log(JSON.stringify({ n: Object.keys(m).length, grpc: ${LOADED_GRPC} }));`,
      );
      expect(JSON.parse(out)).toEqual({ n: expect.any(Number), grpc: false });
      expect(JSON.parse(out).n).toBeGreaterThan(0);
    },
  );

  it('SpiffeId.parse from @lanyard/spiffe/id works and throws SpiffeIdError without loading gRPC', () => {
    const out = runNode(`
      const { SpiffeId, SpiffeIdError } = require('@lanyard/spiffe/id');
      const id = SpiffeId.parse('spiffe://example.org/web');
      let code = '';
      try { SpiffeId.parse('spiffe://Example.org/web'); } catch (e) { code = e instanceof SpiffeIdError ? e.code : 'other'; }
      console.log(JSON.stringify({ td: id.trustDomain.name, code, grpc: ${LOADED_GRPC} }));
    `);
    expect(JSON.parse(out)).toEqual({ td: 'example.org', code: 'ERR_SPIFFE_ID_TD_CHAR', grpc: false });
  });

  it('the workloadapi and tls subpaths and the root export the same classes', () => {
    const out = runNode(`
      const root = require('@lanyard/spiffe');
      const wl = require('@lanyard/spiffe/workloadapi');
      const tls = require('@lanyard/spiffe/tls');
      const id = require('@lanyard/spiffe/id');
      console.log(JSON.stringify([
        root.WorkloadApiClient === wl.WorkloadApiClient,
        root.X509Source === wl.X509Source,
        root.createSpiffeTlsServer === tls.createSpiffeTlsServer,
        root.SpiffeId === id.SpiffeId,
        root.WorkloadApiError === wl.WorkloadApiError,
      ]));
    `);
    expect(JSON.parse(out)).toEqual([true, true, true, true, true]);
  });

  it('refuses deep imports outside the export map', () => {
    expect(() => runNode(`require('@lanyard/spiffe/dist/id/parse')`)).toThrow(
      /ERR_PACKAGE_PATH_NOT_EXPORTED/,
    );
  });
});
