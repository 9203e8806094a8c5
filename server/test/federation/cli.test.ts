import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ServerUnderTest, freePort } from '@lanyard/e2e';

/**
 * `federation refresh` / `show` / `list` with the real binary: a second server (trust domain b.test) serves
 * its bundle endpoint from the `federation {}` block of its config file.
 */
describe('lanyard-server federation refresh and show (real servers, CLI as a child process)', () => {
  let dir: string;
  let local: ServerUnderTest;
  let foreign: ServerUnderTest;
  let endpointPort: number;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'lyfc-'));
    endpointPort = await freePort();
    foreign = await ServerUnderTest.start({
      dir: path.join(dir, 'b'),
      trustDomain: 'b.test',
      extraServer: `
  federation {
    bundle_endpoint {
      address = "127.0.0.1"
      port = ${endpointPort}
      refresh_hint = "1m"
      profile "https_spiffe" {}
    }
  }`,
    });
    local = await ServerUnderTest.start({ dir: path.join(dir, 'a') });
  }, 180_000);
  afterAll(async () => {
    await local?.stop();
    await foreign?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('bootstraps with bundle show | bundle set, refreshes, shows the last refresh, and reports a failure', async () => {
    const shown = await foreign.cli(['bundle', 'show', '-format', 'spiffe']);
    expect(shown.code).toBe(0);
    const set = await local.cli(
      ['bundle', 'set', '-format', 'spiffe', '-id', 'spiffe://b.test'],
      shown.stdout,
    );
    expect(set).toMatchObject({ code: 0, stdout: 'bundle set.\n' });
    const url = `https://127.0.0.1:${endpointPort}`;
    const created = await local.cli([
      'federation',
      'create',
      '-trustDomain',
      'b.test',
      '-bundleEndpointURL',
      url,
      '-bundleEndpointProfile',
      'https_spiffe',
      '-endpointSpiffeID',
      'spiffe://b.test/spire/server',
    ]);
    expect(created.code).toBe(0);

    expect(await local.cli(['federation', 'refresh', '-id', 'b.test'])).toMatchObject({
      code: 0,
      stdout: 'Bundle refreshed\n',
    });
    const show = await local.cli(['federation', 'show', '-trustDomain', 'b.test']);
    expect(show.stdout).toMatch(
      /Endpoint SPIFFE ID {8}: spiffe:\/\/b.test\/spire\/server\nLast refresh {14}: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\nLast refresh error {8}: -\n$/,
    );
    const federated = await local.cli(['bundle', 'list', '-id', 'spiffe://b.test', '-format', 'spiffe']);
    expect(JSON.parse(federated.stdout.replace(/^\*+\n\* .*\n\*+\n/, ''))).toMatchObject({
      spiffe_refresh_hint: 60,
    });

    await foreign.stop();
    const failed = await local.cli(['federation', 'refresh', '-id', 'b.test']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^Error: failed to refresh bundle: .*ECONNREFUSED/);
    const list = await local.cli(['federation', 'list']);
    expect(list.stdout).toContain(`Last refresh error        : fetching ${url}: connect ECONNREFUSED`);
    const asJson = JSON.parse(
      (await local.cli(['federation', 'show', '-trustDomain', 'b.test', '-output', 'json'])).stdout,
    ) as {
      last_refresh_error: string;
      last_refresh_time: string | number;
    };
    expect(asJson.last_refresh_error).toMatch(/ECONNREFUSED/);
    expect(Number(asJson.last_refresh_time)).toBeGreaterThan(0);

    expect((await local.cli(['federation', 'refresh', '-id', 'nobody.test'])).stderr).toBe(
      'Error: there is no federation relationship with trust domain "nobody.test"\n',
    );
  }, 240_000);
});
