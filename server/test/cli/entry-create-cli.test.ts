import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { entryIds, json, startCliServer, type CliServer } from './cli-harness';

const TD = 'spiffe://example.org';

/** Each step spawns a Node process; on a loaded 2-core machine a multi-step test can take a while. */
jest.setTimeout(120_000);

describe('lanyard-server token generate and entry create (real server, CLI as a child process)', () => {
  let s: CliServer;
  beforeAll(async () => {
    s = await startCliServer();
  }, 120_000);
  afterAll(async () => s?.close());

  describe('token generate', () => {
    it('prints a UUID token and warns without -spiffeID', async () => {
      const out = await s.ok(['token', 'generate']);
      expect(out).toMatch(
        /^Token: [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\nWarning: Missing SPIFFE ID\.\n$/,
      );
    });

    it('prints JSON with int64 expires_at as a string and creates the alias entry for -spiffeID', async () => {
      const before = Math.floor(Date.now() / 1000);
      const doc = json<{ value: string; expires_at: string }>(
        await s.ok(['token', 'generate', '--ttl', '120', '-spiffeID', `${TD}/node-alias`, '-output', 'json']),
      );
      expect(Object.keys(doc)).toEqual(['expires_at', 'value']);
      expect(typeof doc.expires_at).toBe('string');
      expect(Number(doc.expires_at)).toBeGreaterThanOrEqual(before + 119);
      const shown = await s.ok(['entry', 'show', '-spiffeID', `${TD}/node-alias`]);
      expect(shown).toContain(`Parent ID               : ${TD}/spire/agent/join_token/${doc.value}\n`);
      expect(shown).toContain(
        `Selector                : spiffe_id:${TD}/spire/agent/join_token/${doc.value}\n`,
      );
    });

    it('rejects an invalid -spiffeID and a non-numeric -ttl', async () => {
      const bad = await s.cli(['token', 'generate', '-spiffeID', 'example.org/x']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toBe('Error: scheme is missing or invalid\n');
      const ttl = await s.cli(['token', 'generate', '-ttl', 'ten']);
      expect(ttl.code).toBe(1);
      expect(ttl.stdout).toBe('');
    });
  });

  describe('entry create', () => {
    it('accepts a TTL the CA cannot honour, warning on stderr with the effective TTL (pretty and JSON)', async () => {
      const args = ['entry', 'create', '-parentID', `${TD}/host`, '-selector', 'unix:uid:4242'];
      const res = await s.cli([...args, '-spiffeID', `${TD}/long-lived`, '-x509SVIDTTL', '172800']);
      expect(res.code).toBe(0);
      expect(res.stdout).toContain('X509-SVID TTL           : 172800\n');
      expect(res.stderr).toMatch(
        /^Warning: x509_svid_ttl 48h0m0s will be capped by ca_ttl \(24h0m0s\): the effective TTL is now 2[34]h\d+m\d+s\n$/,
      );
      const json = await s.cli([
        ...args,
        '-spiffeID',
        `${TD}/long-jwt`,
        '-jwtSVIDTTL',
        '172800',
        '-output',
        'json',
      ]);
      expect(json.code).toBe(0);
      expect(json.stderr).toMatch(/^Warning: jwt_svid_ttl 48h0m0s will be capped by ca_ttl \(24h0m0s\)/);
      const doc = JSON.parse(json.stdout) as {
        results: Array<{ status: { code: number; message: string } }>;
      };
      expect(doc.results[0].status.code).toBe(0);
      expect(doc.results[0].status.message).toMatch(/^OK; warning: jwt_svid_ttl 48h0m0s will be capped/);
      const fine = await s.cli([...args, '-spiffeID', `${TD}/short-lived`, '-x509SVIDTTL', '600']);
      expect(fine).toMatchObject({ code: 0, stderr: '' });
    });

    it('creates an entry and prints the SPIRE block with 24-column labels', async () => {
      const out = await s.ok([
        'entry',
        'create',
        '-parentID',
        `${TD}/host`,
        '-spiffeID',
        `${TD}/web`,
        '-selector',
        'unix:uid:1000',
        '--selector=unix:gid:0',
        '-dns',
        'web.example.org',
        '-x509SVIDTTL',
        '300',
        '-admin',
        '-hint',
        'web-hint',
        '-entryExpiry',
        '1893456000',
      ]);
      const [id] = entryIds(out);
      expect(out).toBe(
        `Entry ID                : ${id}\n` +
          `SPIFFE ID               : ${TD}/web\n` +
          `Parent ID               : ${TD}/host\n` +
          'Revision                : 0\n' +
          'X509-SVID TTL           : 300\n' +
          'JWT-SVID TTL            : default\n' +
          'Expiration time         : 2030-01-01 00:00:00 +0000 UTC\n' +
          'Selector                : unix:gid:0\n' +
          'Selector                : unix:uid:1000\n' +
          'DNS name                : web.example.org\n' +
          'Admin                   : true\n' +
          'Hint                    : web-hint\n\n',
      );
    });

    it('reports AlreadyExists on stderr with the submitted entry and exits 1', async () => {
      const args = [
        'entry',
        'create',
        '-parentID',
        `${TD}/host`,
        '-spiffeID',
        `${TD}/dup`,
        '-selector',
        'unix:uid:7',
      ];
      await s.ok(args);
      const again = await s.cli(args);
      expect(again.code).toBe(1);
      expect(again.stdout).toBe('');
      expect(again.stderr).toBe(
        'Failed to create the following entry (code: AlreadyExists, msg: "similar entry already exists"):\n' +
          'Entry ID                : (none)\n' +
          `SPIFFE ID               : ${TD}/dup\n` +
          `Parent ID               : ${TD}/host\n` +
          'Revision                : 0\n' +
          'X509-SVID TTL           : default\n' +
          'JWT-SVID TTL            : default\n' +
          'Selector                : unix:uid:7\n\n' +
          'Error: failed to create one or more entries\n',
      );
    });

    it('prints the BatchCreateEntryResponse as JSON with proto names and int64 strings', async () => {
      const doc = json<{
        results: { status: { code: number; message: string }; entry: Record<string, unknown> }[];
      }>(
        await s.ok([
          'entry',
          'create',
          '-parentID',
          `${TD}/host`,
          '-spiffeID',
          `${TD}/json`,
          '-selector',
          'k8s:ns:prod',
          '-jwtSVIDTTL',
          '60',
          '-output',
          'json',
        ]),
      );
      expect(doc.results).toHaveLength(1);
      expect(doc.results[0].status).toEqual({ code: 0, message: 'OK' });
      const e = doc.results[0].entry;
      expect(e.spiffe_id).toEqual({ path: '/json', trust_domain: 'example.org' });
      expect(e.parent_id).toEqual({ path: '/host', trust_domain: 'example.org' });
      expect(e.selectors).toEqual([{ type: 'k8s', value: 'ns:prod' }]);
      expect(e.jwt_svid_ttl).toBe(60);
      expect(e.x509_svid_ttl).toBe(0);
      expect(e.revision_number).toBe('0');
      expect(e.expires_at).toBe('0');
      expect(typeof e.created_at).toBe('string');
      expect(e.dns_names).toEqual([]);
      expect(e.admin).toBe(false);
      expect(Object.keys(e)).toEqual([...Object.keys(e)].sort());
    });

    it('stores -jwtSVIDIncludeJTI and -disableX509SVIDPrefetch, shows them, and update keeps the one not given', async () => {
      const base = ['-parentID', `${TD}/host`, '-spiffeID', `${TD}/attrs`, '-selector', 'unix:uid:77'];
      const created = await s.ok(['entry', 'create', ...base, '-jwtSVIDIncludeJTI']);
      expect(created).toMatch(/^JwtSvidIncludeJti +: true$/m);
      expect(created).not.toMatch(/DisableX509SvidPrefetch/);
      const [id] = entryIds(created);
      const show = async () =>
        json<{ entries: { additional_attributes: unknown }[] }>(
          await s.ok(['entry', 'show', '-entryID', id, '-output', 'json']),
        ).entries[0].additional_attributes;
      expect(await show()).toEqual({ disable_x509_svid_prefetch: false, jwt_svid_include_jti: true });
      const updated = await s.ok(['entry', 'update', '-entryID', id, ...base, '-disableX509SVIDPrefetch']);
      expect(updated).toMatch(/^DisableX509SvidPrefetch +: true$/m);
      expect(updated).toMatch(/^JwtSvidIncludeJti +: true$/m);
      expect(await show()).toEqual({ disable_x509_svid_prefetch: true, jwt_svid_include_jti: true });
      const pretty = await s.ok(['entry', 'show', '-entryID', id]);
      expect(pretty).toMatch(/^DisableX509SvidPrefetch +: true$/m);
    });

    it('creates a node (alias) entry parented to the server ID', async () => {
      const out = await s.ok([
        'entry',
        'create',
        '-node',
        '-spiffeID',
        `${TD}/cluster/a`,
        '-selector',
        'join_token:x',
      ]);
      expect(out).toContain(`Parent ID               : ${TD}/spire/server\n`);
    });

    it.each([
      [
        ['-parentID', `${TD}/h`, '-spiffeID', 'spiffe://Example.org/x', '-selector', 'a:b'],
        'Error: trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores\n',
      ],
      [
        ['-parentID', `${TD}/h`, '-spiffeID', `${TD}/x`, '-selector', 'unix'],
        'Error: selector "unix" must be formatted as type:value\n',
      ],
      [
        ['-parentID', `${TD}/h`, '-spiffeID', `${TD}/x`, '-selector', 'a:b', '-x509SVIDTTL', '-1'],
        'Error: a positive x509-SVID TTL is required\n',
      ],
      [
        ['-parentID', `${TD}/h`, '-spiffeID', `${TD}/x`, '-selector', 'a:b', '-jwtSVIDTTL', '-5'],
        'Error: a positive JWT-SVID TTL is required\n',
      ],
      [
        ['-spiffeID', `${TD}/x`, '-selector', 'a:b'],
        'Error: a parent ID is required if the node flag is not set\n',
      ],
      [['-parentID', `${TD}/h`, '-selector', 'a:b'], 'Error: a SPIFFE ID is required\n'],
      [['-parentID', `${TD}/h`, '-spiffeID', `${TD}/x`], 'Error: at least one selector is required\n'],
      [
        ['-node', '-spiffeID', `${TD}/x`, '-selector', 'a:b', '-federatesWith', 'spiffe://other.org'],
        'Error: node entries can not federate\n',
      ],
    ])('validates flags like SPIRE: %j', async (args, stderr) => {
      const result = await s.cli(['entry', 'create', ...args]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(stderr);
    });

    it('surfaces server-side validation per entry (selector without value, reserved path)', async () => {
      const noValue = await s.cli([
        'entry',
        'create',
        '-parentID',
        `${TD}/h`,
        '-spiffeID',
        `${TD}/nv`,
        '-selector',
        'unix:',
      ]);
      expect(noValue.code).toBe(1);
      expect(noValue.stderr).toMatch(
        /^Failed to create the following entry \(code: InvalidArgument, msg: "failed to convert entry: .*"\):\n/,
      );
      expect(noValue.stderr).toContain('Selector                : unix:\n');
      const reserved = await s.cli([
        'entry',
        'create',
        '-parentID',
        `${TD}/h`,
        '-spiffeID',
        `${TD}/spire/x`,
        '-selector',
        'a:b',
      ]);
      expect(reserved.code).toBe(1);
      expect(reserved.stderr).toContain('code: InvalidArgument');
      expect(reserved.stderr).toContain('reserved namespace');
    });

    it('creates a -storeSVID entry shown with StoreSvid, and refuses one whose selector types differ', async () => {
      const base = ['entry', 'create', '-parentID', `${TD}/h`, '-storeSVID'];
      const out = await s.ok([
        ...base,
        '-spiffeID',
        `${TD}/stored`,
        '-selector',
        'aws_secretsmanager:secretname:foo',
        '-selector',
        'aws_secretsmanager:kmskeyid:alias/k',
      ]);
      expect(out).toContain('Selector                : aws_secretsmanager:secretname:foo\n');
      expect(out).toContain('StoreSvid               : true\n');
      const shown = await s.ok(['entry', 'show', '-spiffeID', `${TD}/stored`, '-output', 'json']);
      expect(json<{ entries: { store_svid: boolean }[] }>(shown).entries[0].store_svid).toBe(true);
      const mixed = await s.cli([
        ...base,
        '-spiffeID',
        `${TD}/stored-mixed`,
        '-selector',
        'aws_secretsmanager:secretname:bar',
        '-selector',
        'unix:uid:0',
      ]);
      expect(mixed.code).toBe(1);
      expect(mixed.stderr).toContain(
        '(code: InvalidArgument, msg: "failed to create entry: invalid registration entry: selector types must be the same when store SVID is enabled")',
      );
      expect(mixed.stderr).toContain('StoreSvid               : true\n');
    });

    it('creates federating entries once the bundle exists and filters on them', async () => {
      const pemFile = path.join(s.dir, 'partner.pem');
      writeFileSync(pemFile, await s.ok(['bundle', 'show']));
      const before = await s.cli([
        'entry',
        'create',
        '-parentID',
        `${TD}/h`,
        '-spiffeID',
        `${TD}/fw`,
        '-selector',
        'f:1',
        '-federatesWith',
        'partner.org',
      ]);
      expect(before.code).toBe(1);
      expect(before.stderr).toContain(
        '(code: FailedPrecondition, msg: "failed to create entry: unable to find federated bundle',
      );
      await s.ok(['bundle', 'set', '-id', 'spiffe://partner.org', '-path', pemFile]);
      const created = await s.ok([
        'entry',
        'create',
        '-parentID',
        `${TD}/h`,
        '-spiffeID',
        `${TD}/fw`,
        '-selector',
        'f:1',
        '-federatesWith',
        'spiffe://partner.org',
      ]);
      expect(created).toContain('FederatesWith           : partner.org\n');
      expect(
        await s.ok(['entry', 'count', '-federatesWith', 'partner.org', '-matchFederatesWithOn', 'exact']),
      ).toBe('1 registration entry\n');
    });

    it('creates entries from -data (file and stdin), keys case-insensitive', async () => {
      const file = path.join(s.dir, 'entries.json');
      const doc = {
        entries: [
          {
            selectors: [{ type: 'unix', value: 'uid:501' }],
            spiffe_id: `${TD}/data/a`,
            parent_id: `${TD}/host`,
          },
          {
            SELECTORS: [{ type: 'unix', value: 'uid:502' }],
            Spiffe_ID: `${TD}/data/b`,
            parent_id: `${TD}/host`,
            x509_svid_ttl: 90,
            entry_id: 'custom-id-b',
          },
        ],
      };
      writeFileSync(file, JSON.stringify(doc));
      const out = await s.ok(['entry', 'create', '-data', file]);
      expect(out).toContain(`SPIFFE ID               : ${TD}/data/a\n`);
      expect(out).toContain('Entry ID                : custom-id-b\n');
      expect(out).toContain('X509-SVID TTL           : 90\n');
      const stdinDoc = {
        entries: [
          {
            selectors: [{ type: 'unix', value: 'uid:503' }],
            spiffe_id: `${TD}/data/c`,
            parent_id: `${TD}/host`,
          },
        ],
      };
      const viaStdin = await s.ok(['entry', 'create', '-data', '-'], JSON.stringify(stdinDoc));
      expect(viaStdin).toContain(`SPIFFE ID               : ${TD}/data/c\n`);
      const missing = await s.cli(['entry', 'create', '-data', path.join(s.dir, 'nope.json')]);
      expect(missing.stderr).toBe(
        `Error: open ${path.join(s.dir, 'nope.json')}: no such file or directory\n`,
      );
    });
  });
});
