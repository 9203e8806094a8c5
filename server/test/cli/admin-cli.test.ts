import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { attestAgent, json, startCliServer, type CliServer } from './cli-harness';

/** Each step spawns a Node process; on a loaded 2-core machine a multi-step test can take a while. */
jest.setTimeout(120_000);

describe('lanyard-server agent, federation, localauthority and debug (real server, CLI as a child process)', () => {
  let s: CliServer;
  beforeAll(async () => {
    s = await startCliServer();
  }, 120_000);
  afterAll(async () => s?.close());

  describe('agent', () => {
    it('lists, counts and shows an attested agent with the 18-column block', async () => {
      expect(await s.ok(['agent', 'list'])).toBe('No attested agents found\n');
      const id = await attestAgent(s);
      const list = await s.ok(['agent', 'list']);
      expect(list).toMatch(
        new RegExp(
          `^Found 1 attested agent:\n\nSPIFFE ID         : ${id}\nAttestation type  : join_token\n` +
            'Expiration time   : \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\+0000 UTC\nSerial number     : \\d+\n' +
            'Can re-attest     : false\n\n$',
        ),
      );
      expect(await s.ok(['agent', 'count'])).toBe('1 attested agent\n');
      expect(await s.ok(['agent', 'count', '-attestationType', 'aws_iid'])).toBe('0 attested agents\n');
      expect(await s.ok(['agent', 'count', '-canReattest', 'true'])).toBe('0 attested agents\n');
      const show = await s.ok(['agent', 'show', '-spiffeID', id]);
      expect(
        show.startsWith(`Found an attested agent given its SPIFFE ID\n\nSPIFFE ID         : ${id}\n`),
      ).toBe(true);
      const doc = json<{ agents: { id: unknown; x509svid_expires_at: string; banned: boolean }[] }>(
        await s.ok(['agent', 'list', '-output', 'json']),
      );
      expect(doc.agents).toHaveLength(1);
      expect(typeof doc.agents[0].x509svid_expires_at).toBe('string');
      expect(doc.agents[0].banned).toBe(false);
    });

    it('bans and evicts agents, and reports missing or unknown IDs', async () => {
      const banned = await attestAgent(s);
      expect(await s.ok(['agent', 'ban', '-spiffeID', banned])).toBe('Agent banned successfully\n');
      expect(await s.ok(['agent', 'show', '-spiffeID', banned])).toContain('Banned            : true\n');
      expect(await s.ok(['agent', 'count', '-banned', 'true'])).toBe('1 attested agent\n');
      expect(await s.ok(['agent', 'evict', '-spiffeID', banned, '-output', 'json'])).toBe('{}\n');
      const missing = await s.cli(['agent', 'show', '-spiffeID', banned]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toBe('Error: rpc error: code = NotFound desc = agent not found\n');
      expect((await s.cli(['agent', 'evict'])).stderr).toBe('Error: a SPIFFE ID is required\n');
      expect((await s.cli(['agent', 'list', '-expiresBefore', 'tomorrow'])).stderr).toMatch(
        /^Error: date is not valid: /,
      );
      expect((await s.cli(['agent', 'list', '-selector', 'x'])).stderr).toBe(
        'Error: error parsing selector "x": selector "x" must be formatted as type:value\n',
      );
    });

    it('purge finds nothing to purge for fresh or non-reattestable agents', async () => {
      expect(await s.ok(['agent', 'purge', '-dryRun'])).toBe('No agents to purge.\n');
      expect(await s.ok(['agent', 'purge', '-expiredFor', '1s', '-output', 'json'])).toBe(
        '{"expired_agents":[]}\n',
      );
    });
  });

  describe('federation', () => {
    it('creates, lists, shows, updates and deletes relationships', async () => {
      const bundleFile = path.join(s.dir, 'fed.pem');
      writeFileSync(bundleFile, await s.ok(['bundle', 'show']));
      const created = await s.ok([
        'federation',
        'create',
        '-trustDomain',
        'fed.org',
        '-bundleEndpointURL',
        'https://127.0.0.1:8443',
        '-bundleEndpointProfile',
        'https_spiffe',
        '-endpointSpiffeID',
        'spiffe://fed.org/spire/server',
        '-trustDomainBundlePath',
        bundleFile,
      ]);
      expect(created).toBe(
        '\nTrust domain              : fed.org\n' +
          'Bundle endpoint URL       : https://127.0.0.1:8443\n' +
          'Bundle endpoint profile   : https_spiffe\n' +
          'Endpoint SPIFFE ID        : spiffe://fed.org/spire/server\n',
      );
      const data = {
        federationRelationships: [
          {
            trustDomain: 'web.org',
            bundleEndpointURL: 'https://127.0.0.1:1/b',
            bundleEndpointProfile: 'https_web',
          },
        ],
      };
      await s.ok(['federation', 'create', '-data', '-'], JSON.stringify(data));
      const list = await s.ok(['federation', 'list']);
      expect(
        list.startsWith('Found 2 federation relationships\n\nTrust domain              : fed.org\n'),
      ).toBe(true);
      expect(list).toContain('Bundle endpoint profile   : https_web\n');
      // The bundle client tries the endpoint at once; its outcome follows the block once there is one.
      expect(await s.ok(['federation', 'show', '-trustDomain', 'web.org'])).toMatch(
        new RegExp(
          '^Found a federation relationship with trust domain web.org:\n\n' +
            'Trust domain              : web.org\n' +
            'Bundle endpoint URL       : https://127\\.0\\.0\\.1:1/b\n' +
            'Bundle endpoint profile   : https_web\n' +
            '(Last refresh              : \\S+\nLast refresh error        : .*ECONNREFUSED.*\n)?$',
        ),
      );
      const updated = await s.ok([
        'federation',
        'update',
        '-trustDomain',
        'web.org',
        '-bundleEndpointURL',
        'https://127.0.0.1:1/c',
        '-bundleEndpointProfile',
        'https_web',
        '-output',
        'json',
      ]);
      const doc = json<{
        results: {
          status: { code: number };
          federation_relationship: { bundle_endpoint_url: string; https_web: object };
        }[];
      }>(updated);
      expect(doc.results[0].status.code).toBe(0);
      expect(doc.results[0].federation_relationship.bundle_endpoint_url).toBe('https://127.0.0.1:1/c');
      expect(doc.results[0].federation_relationship.https_web).toEqual({});
      expect(await s.ok(['federation', 'delete', '-id', 'web.org'])).toBe(
        'federation relationship deleted.\n',
      );
      expect(await s.ok(['federation', 'list', '-output', 'json'])).toContain('"trust_domain":"fed.org"');
    });

    it('validates flags and reports duplicates and unknown trust domains', async () => {
      expect((await s.cli(['federation', 'create', '-trustDomain', 'x.org'])).stderr).toBe(
        'Error: bundle endpoint URL is required\n',
      );
      expect(
        (
          await s.cli([
            'federation',
            'create',
            '-trustDomain',
            'x.org',
            '-bundleEndpointURL',
            'https://x',
            '-bundleEndpointProfile',
            'ftp',
          ])
        ).stderr,
      ).toBe('Error: unknown bundle endpoint profile type: "ftp"\n');
      expect(
        (
          await s.cli([
            'federation',
            'create',
            '-trustDomain',
            'x.org',
            '-bundleEndpointURL',
            'https://x',
            '-bundleEndpointProfile',
            'https_spiffe',
          ])
        ).stderr,
      ).toBe("Error: endpoint SPIFFE ID is required if 'https_spiffe' endpoint profile is set\n");
      expect(
        (await s.cli(['federation', 'create', '-data', '-', '-trustDomain', 'x.org'], '{}')).stderr,
      ).toBe("Error: cannot use other flags to specify relationship fields when 'data' flag is set\n");
      const dup = await s.cli([
        'federation',
        'create',
        '-trustDomain',
        'fed.org',
        '-bundleEndpointURL',
        'https://x',
        '-bundleEndpointProfile',
        'https_web',
      ]);
      expect(dup.code).toBe(1);
      expect(dup.stderr).toMatch(
        /^Failed to create the following federation relationship \(code: AlreadyExists, msg: ".*"\):\nTrust domain {14}: fed\.org\n/,
      );
      expect(dup.stderr.endsWith('Error: failed to create one or more federation relationships\n')).toBe(
        true,
      );
      expect((await s.cli(['federation', 'refresh', '-id', 'ghost.org'])).stderr).toBe(
        'Error: there is no federation relationship with trust domain "ghost.org"\n',
      );
      expect((await s.cli(['federation', 'show'])).stderr).toBe('Error: a trust domain name is required\n');
    });
  });

  describe('localauthority and debug', () => {
    it('shows, prepares, activates and taints the X.509 authority', async () => {
      const show = await s.ok(['localauthority', 'x509', 'show']);
      expect(show).toMatch(
        /^Active X\.509 authority:\n {2}Authority ID: [0-9a-f]+\n {2}Expires at: .* \+0000 UTC\n {2}Upstream authority ID: No upstream authority\n\nPrepared X\.509 authority:\n {2}No prepared X\.509 authority found\n\nOld X\.509 authority:\n {2}No old X\.509 authority found\n$/,
      );
      const oldId = /Authority ID: (\S+)/.exec(show)?.[1] ?? '';
      const prepared = await s.ok(['localauthority', 'x509', 'prepare']);
      const newId = /^Prepared X\.509 authority:\n {2}Authority ID: (\S+)\n/.exec(prepared)?.[1] ?? '';
      expect(newId).not.toBe('');
      expect(await s.ok(['localauthority', 'x509', 'activate', '-authorityID', newId])).toContain(
        `Activated X.509 authority:\n  Authority ID: ${newId}\n`,
      );
      expect(await s.ok(['localauthority', 'x509', 'taint', '-authorityID', oldId])).toContain(
        `Tainted X.509 authority:\n  Authority ID: ${oldId}\n`,
      );
      expect((await s.cli(['localauthority', 'x509', 'revoke'])).stderr).toBe(
        'Error: an authority ID is required\n',
      );
      const wrong = await s.cli(['localauthority', 'x509', 'activate', '-authorityID', 'nope']);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(
        /^Error: could not activate X\.509 authority: rpc error: code = \w+ desc = /,
      );
    });

    it('shows JWT authorities as JSON and prepares one', async () => {
      const doc = json<{ active: { authority_id: string; expires_at: string } }>(
        await s.ok(['localauthority', 'jwt', 'show', '-output', 'json']),
      );
      expect(doc.active.authority_id).not.toBe('');
      expect(typeof doc.active.expires_at).toBe('string');
      expect(await s.ok(['localauthority', 'jwt', 'prepare'])).toMatch(
        /^Prepared JWT authority:\n {2}Authority ID: \S+\n {2}Expires at: .* \+0000 UTC\n$/,
      );
    });

    it('upstreamauthority requires -subjectKeyID and reports a missing upstream authority', async () => {
      expect((await s.cli(['upstreamauthority', 'taint'])).stderr).toBe(
        'Error: the Subject Key ID of the X.509 upstream authority is required\n',
      );
      const revoke = await s.cli(['upstreamauthority', 'revoke', '-subjectKeyID', 'abcd']);
      expect(revoke.code).toBe(1);
      expect(revoke.stderr).toBe(
        'Error: could not revoke X.509 upstream authority: rpc error: code = FailedPrecondition desc = upstream authority is not configured\n',
      );
    });

    it('debug getinfo prints counts and the server SVID chain', async () => {
      const out = await s.ok(['debug', 'getinfo']);
      expect(out).toMatch(
        /^Server Debug Info:\n {2}Uptime: {18}\S+\n {2}Registered Agents: {7}\d+\n {2}Registration Entries: {4}\d+\n {2}Federated Bundles: {7}\d+\n/,
      );
      expect(out).toContain('    [0] SPIFFE ID:  spiffe://example.org/spire/server\n');
      const doc = json<{ uptime: number; svid_chain: unknown[] }>(
        await s.ok(['debug', 'getinfo', '-output', 'json']),
      );
      expect(doc.svid_chain.length).toBeGreaterThan(0);
    });
  });
});
