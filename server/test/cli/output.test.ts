import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { runAdminAction } from '../../src/cli/admin-action';
import { unary } from '@lanyard/base/grpc';
import { resolveSocketPath } from '../../src/cli/admin-client';
import { formatGoTime, plural } from '../../src/cli/output';
import type { CommandContext } from '../../src/cli/registry';
import { startTestServer } from '../api/harness';

describe('CLI output and admin helpers', () => {
  it('formats counts and Go times like SPIRE', () => {
    expect(plural(1, 'entry', 'entries')).toBe('1 entry');
    expect(plural(0, 'entry', 'entries')).toBe('0 entries');
    expect(plural(2, 'bundle')).toBe('2 bundles');
    expect(formatGoTime(1_767_323_045)).toBe('2026-01-02 03:04:05 +0000 UTC');
  });

  it('resolves the socket path from flag, env and instance template', () => {
    expect(resolveSocketPath('/x.sock', undefined, {})).toBe('/x.sock');
    expect(resolveSocketPath(undefined, undefined, { SPIRE_SERVER_PRIVATE_SOCKET: '/env.sock' })).toBe(
      '/env.sock',
    );
    expect(
      resolveSocketPath(undefined, 'a', { SPIRE_SERVER_PRIVATE_SOCKET_TEMPLATE: '/run/%i/api.sock' }),
    ).toBe('/run/a/api.sock');
    expect(resolveSocketPath(undefined, undefined, {})).toBe('/tmp/spire-server/private/api.sock');
  });

  it('runAdminAction runs against the socket and prints gRPC failures verbatim', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lyo-'));
    const ts = await startTestServer({}, dir);
    const stderr = new PassThrough();
    const errors: string[] = [];
    stderr.on('data', (d: Buffer) => errors.push(d.toString()));
    let code = -1;
    const ctx: CommandContext = {
      io: { stdout: new PassThrough(), stderr, env: {}, stopSignal: () => new Promise(() => undefined) },
      exit: (c) => (code = c),
    };
    try {
      const ok = await runAdminAction(ctx, { socketPath: ts.socketPath }, async (clients) => {
        await unary((options, cb) => clients.entry.CountEntries({}, options, cb));
      });
      expect(ok).toBe(0);
      const failed = await runAdminAction(ctx, { socketPath: ts.socketPath }, async (clients) => {
        await unary((options, cb) => clients.entry.GetEntry({ id: 'nope' }, options, cb));
      });
      expect(failed).toBe(1);
      expect(errors.join('')).toBe('Error: rpc error: code = NotFound desc = entry not found\n');
      expect(code).toBe(-1);
    } finally {
      await ts.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
