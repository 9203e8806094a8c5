/** `lanyard-server logger get|set|reset` against a real server process started at log level INFO. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SERVER_BIN, ServerUnderTest, runCommand, waitFor } from '@lanyard/e2e';
import { json } from './cli-harness';

/** Each step spawns a Node process; on a loaded 2-core machine a multi-step test can take a while. */
jest.setTimeout(120_000);

describe('lanyard-server logger (real server, CLI as a child process)', () => {
  let server: ServerUnderTest;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'lylog-'));
    server = await ServerUnderTest.start({ dir, logLevel: 'INFO' });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const ok = (args: string[]) => server.cliOk(args);
  const mint = (name: string) => ok(['x509', 'mint', '-spiffeID', `spiffe://example.org/${name}`]);

  it('get, set and reset print SPIRE pretty output and change what the server logs', async () => {
    expect(await ok(['logger', 'get'])).toBe('Logger Level : info\nLaunch Level : info\n\n');
    await mint('before-set');
    expect(await ok(['logger', 'set', '-level', 'debug'])).toBe(
      'Logger Level : debug\nLaunch Level : info\n\n',
    );
    await mint('after-set');
    await waitFor('the debug line', async () =>
      server.log.includes('example.org/after-set') ? true : undefined,
    );
    expect(server.log).toMatch(/level=debug msg="Signed X509 SVID" .*example\.org\/after-set/);
    expect(server.log).not.toContain('example.org/before-set');
    expect(await ok(['logger', 'set', '-level', 'WARNING'])).toBe(
      'Logger Level : warning\nLaunch Level : info\n\n',
    );
    expect(await ok(['logger', 'reset'])).toBe('Logger Level : info\nLaunch Level : info\n\n');
  });

  it('prints protojson with -output json', async () => {
    expect(json(await ok(['logger', 'get', '-output', 'json']))).toEqual({
      current_level: 'INFO',
      launch_level: 'INFO',
    });
    expect(json(await ok(['logger', 'set', '-level', 'trace', '-output', 'json']))).toEqual({
      current_level: 'TRACE',
      launch_level: 'INFO',
    });
    expect(json(await ok(['logger', 'reset', '-output', 'json']))).toEqual({
      current_level: 'INFO',
      launch_level: 'INFO',
    });
  });

  it('refuses a missing or unknown -level with SPIRE messages and leaves the level', async () => {
    const missing = await server.cli(['logger', 'set']);
    expect(missing).toMatchObject({ code: 1, stderr: 'Error: a value (-level) must be set\n' });
    const bad = await server.cli(['logger', 'set', '-level', 'never']);
    expect(bad).toMatchObject({ code: 1, stderr: 'Error: the value "never" is not a valid setting\n' });
    expect(await ok(['logger', 'get'])).toBe('Logger Level : info\nLaunch Level : info\n\n');
  });

  it('reports an unreachable socket like SPIRE', async () => {
    const res = await runCommand(process.execPath, [
      SERVER_BIN,
      'logger',
      'get',
      '-socketPath',
      path.join(dir, 'nope.sock'),
    ]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^Error: error fetching logger: rpc error: code = Unavailable desc = /);
  });
});
