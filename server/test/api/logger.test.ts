/** The Logger API on a real server: live level changes over the admin socket, SPIRE's local-only policy. */
import { PassThrough } from 'node:stream';
import { status } from '@grpc/grpc-js';
import { createLogger, logLevelControl } from '@lanyard/common';
import { keyAndCsr, newAgent, rpc, rpcError, startTestServer, type TestServer } from './harness';

type WireLogger = { current_level: string; launch_level: string };

/** Polls the captured output until `predicate` holds (bounded; the stream is asynchronous). */
async function waitForOutput(read: () => string, predicate: (out: string) => boolean): Promise<string> {
  const deadline = Date.now() + 10_000;
  while (!predicate(read())) {
    if (Date.now() > deadline) throw new Error(`condition not met; output:\n${read()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return read();
}

describe('Logger API', () => {
  let ts: TestServer;
  let output = '';
  beforeAll(async () => {
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const logger = createLogger({ level: 'INFO', stream });
    ts = await startTestServer({ logger, logLevel: logLevelControl(logger) });
  });
  afterAll(async () => ts.stop());

  const getLogger = () => rpc<WireLogger>((cb) => ts.admin.logger.GetLogger({}, cb));
  const setLevel = (new_level: string | number) =>
    rpc<WireLogger>((cb) => ts.admin.logger.SetLogLevel({ new_level } as never, cb));
  const mint = (path: string) =>
    rpc((cb) =>
      ts.admin.svid.MintX509SVID({ csr: keyAndCsr([`spiffe://example.org${path}`]).csr, ttl: 60 }, cb),
    );

  it('set debug makes the server write debug lines; reset silences them again', async () => {
    expect(await getLogger()).toEqual({ current_level: 'INFO', launch_level: 'INFO' });
    await mint('/before-set');
    await waitForOutput(
      () => output,
      (out) => out.includes('msg="GetLogger Called"'),
    );
    expect(await setLevel('DEBUG')).toEqual({ current_level: 'DEBUG', launch_level: 'INFO' });
    expect(await getLogger()).toEqual({ current_level: 'DEBUG', launch_level: 'INFO' });
    await mint('/after-set');
    const afterSet = await waitForOutput(
      () => output,
      (out) => out.includes('spiffe://example.org/after-set'),
    );
    expect(afterSet).toMatch(
      /level=debug msg="Signed X509 SVID" .*spiffe_id="spiffe:\/\/example.org\/after-set"/,
    );
    expect(afterSet).not.toContain('spiffe://example.org/before-set');

    const reset = await rpc<WireLogger>((cb) => ts.admin.logger.ResetLogLevel({}, cb));
    expect(reset).toEqual({ current_level: 'INFO', launch_level: 'INFO' });
    await mint('/after-reset');
    await getLogger();
    const afterReset = await waitForOutput(
      () => output,
      (out) => (out.match(/GetLogger Called/g) ?? []).length === 3,
    );
    expect(afterReset).not.toContain('spiffe://example.org/after-reset');
  });

  it('refuses UNSPECIFIED and values outside the enum with InvalidArgument, leaving the level', async () => {
    expect(await rpcError(setLevel('UNSPECIFIED'))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'newLevel value cannot be LogLevel_UNSPECIFIED',
    });
    expect(await rpcError(setLevel(42))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'new_level: unsupported log level "42"',
    });
    expect((await getLogger()).current_level).toBe('INFO');
  });

  it('is not served on the TLS port, even to an agent SVID (admin socket only, like SPIRE)', async () => {
    const { clients } = await newAgent(ts);
    try {
      for (const call of [
        () => rpc((cb) => clients.logger.GetLogger({}, cb)),
        () => rpc((cb) => clients.logger.SetLogLevel({ new_level: 'DEBUG' }, cb)),
        () => rpc((cb) => clients.logger.ResetLogLevel({}, cb)),
      ]) {
        expect((await rpcError(call())).code).toBe(status.UNIMPLEMENTED);
      }
      expect((await getLogger()).current_level).toBe('INFO');
    } finally {
      clients.close();
    }
  });
});
