import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { JwtSvid, SpiffeBundle, TrustDomain } from '@lanyard/spiffe';
import { json, startCliServer, type CliServer } from './cli-harness';

const TD = 'spiffe://example.org';

/** Each step spawns a Node process; on a loaded 2-core machine a multi-step test can take a while. */
jest.setTimeout(120_000);

describe('lanyard-server bundle, x509 mint and jwt mint (real server, CLI as a child process)', () => {
  let s: CliServer;
  beforeAll(async () => {
    s = await startCliServer();
  }, 120_000);
  afterAll(async () => s?.close());

  describe('bundle', () => {
    it('shows the own bundle as PEM, as a SPIFFE bundle (4-space indent) and as JSON', async () => {
      const pem = await s.ok(['bundle', 'show']);
      expect(pem).toMatch(
        /^(-----BEGIN CERTIFICATE-----\n(?:[A-Za-z0-9+/=]{1,64}\n)+-----END CERTIFICATE-----\n)+$/,
      );
      const ca = new X509Certificate(pem);
      expect(ca.ca).toBe(true);
      const doc = await s.ok(['bundle', 'show', '-format', 'spiffe']);
      expect(doc).toMatch(/^\{\n {4}"/);
      const parsed = SpiffeBundle.parse(TrustDomain.parse('example.org'), doc);
      expect(parsed.x509Authorities[0].raw.equals(ca.raw)).toBe(true);
      expect(parsed.jwtAuthorities.size).toBeGreaterThan(0);
      const j = json<{
        trust_domain: string;
        x509_authorities: { asn1: string }[];
        refresh_hint: string;
        sequence_number: string;
      }>(await s.ok(['bundle', 'show', '-output', 'json']));
      expect(j.trust_domain).toBe('example.org');
      expect(Buffer.from(j.x509_authorities[0].asn1, 'base64').equals(ca.raw)).toBe(true);
      expect(typeof j.refresh_hint).toBe('string');
      expect(typeof j.sequence_number).toBe('string');
      const bad = await s.cli(['bundle', 'show', '-format', 'der']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toBe('Error: invalid format: "der"\n');
    });

    it('sets federated bundles from a PEM file and a SPIFFE document on stdin, lists, counts and deletes them', async () => {
      const pemFile = path.join(s.dir, 'own.pem');
      writeFileSync(pemFile, await s.ok(['bundle', 'show']));
      expect(await s.ok(['bundle', 'set', '-id', 'spiffe://fed-a.org', '-path', pemFile])).toBe(
        'bundle set.\n',
      );
      const spiffeDoc = await s.ok(['bundle', 'show', '-format', 'spiffe']);
      expect(await s.ok(['bundle', 'set', '-id', 'fed-b.org', '-format', 'spiffe'], spiffeDoc)).toBe(
        'bundle set.\n',
      );
      expect(await s.ok(['bundle', 'count'])).toBe('3 bundles\n');
      const list = await s.ok(['bundle', 'list']);
      const stars = '*'.repeat(40);
      expect(list.startsWith(`${stars}\n* fed-a.org\n${stars}\n-----BEGIN CERTIFICATE-----\n`)).toBe(true);
      expect(list).toContain(`-----END CERTIFICATE-----\n\n${stars}\n* fed-b.org\n${stars}\n`);
      const one = await s.ok(['bundle', 'list', '-id', 'spiffe://fed-b.org', '-format', 'spiffe']);
      expect(one.startsWith('{\n')).toBe(true);
      const listed = json<{ bundles: { trust_domain: string }[] }>(
        await s.ok(['bundle', 'list', '-output', 'json']),
      );
      expect(listed.bundles.map((b) => b.trust_domain)).toEqual(['fed-a.org', 'fed-b.org']);
      expect(await s.ok(['bundle', 'delete', '-id', 'fed-b.org'])).toBe('bundle deleted.\n');
      expect(await s.ok(['bundle', 'count', '-output', 'json'])).toBe('{"count":2}\n');
    });

    it('reports missing flags, bad modes, unreadable data and unknown bundles', async () => {
      expect((await s.cli(['bundle', 'set', '-path', '/nope'])).stderr).toBe('Error: id flag is required\n');
      expect((await s.cli(['bundle', 'delete'])).stderr).toBe('Error: id is required\n');
      expect((await s.cli(['bundle', 'delete', '-id', 'x.org', '-mode', 'wipe'])).stderr).toBe(
        'Error: unsupported mode "wipe"\n',
      );
      expect((await s.cli(['bundle', 'set', '-id', 'x.org', '-path', '/nope/b.pem'])).stderr).toBe(
        'Error: unable to load bundle data: open /nope/b.pem: no such file or directory\n',
      );
      const garbage = await s.cli(['bundle', 'set', '-id', 'x.org'], 'not a bundle');
      expect(garbage.code).toBe(1);
      expect(garbage.stderr).toMatch(/^Error: unable to parse bundle data: /);
      const twice = await s.cli(['bundle', 'count', '-output', 'json', '-output', 'pretty']);
      expect(twice.code).toBe(1);
      expect(twice.stderr).toContain('the output format has already been set to "json"');
      expect((await s.cli(['bundle', 'count', '-output', 'yaml'])).code).toBe(1);
      const missing = await s.cli(['bundle', 'list', '-id', 'ghost.org']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toBe('Error: rpc error: code = NotFound desc = bundle not found\n');
    });
  });

  describe('x509 mint', () => {
    it('writes svid.pem, key.pem (0600) and bundle.pem that openssl verifies, with the URI and DNS SANs', async () => {
      const dir = path.join(s.dir, 'x509');
      mkdirSync(dir);
      const out = await s.ok([
        'x509',
        'mint',
        '-spiffeID',
        `${TD}/minted`,
        '-dns',
        'minted.example.org',
        '-ttl',
        '10m',
        '-write',
        dir,
      ]);
      expect(out).toBe(
        `X509-SVID written to ${dir}/svid.pem\nPrivate key written to ${dir}/key.pem\nRoot CAs written to ${dir}/bundle.pem\n`,
      );
      expect(statSync(path.join(dir, 'key.pem')).mode & 0o777).toBe(0o600);
      expect(statSync(path.join(dir, 'svid.pem')).mode & 0o777).toBe(0o644);
      const verified = execFileSync('openssl', [
        'verify',
        '-CAfile',
        path.join(dir, 'bundle.pem'),
        path.join(dir, 'svid.pem'),
      ]);
      expect(verified.toString()).toBe(`${path.join(dir, 'svid.pem')}: OK\n`);
      const cert = new X509Certificate(readFileSync(path.join(dir, 'svid.pem')));
      expect(cert.subjectAltName).toBe(`URI:${TD}/minted, DNS:minted.example.org`);
      const lifetime = (Date.parse(cert.validTo) - Date.now()) / 1000;
      expect(lifetime).toBeGreaterThan(500);
      expect(lifetime).toBeLessThanOrEqual(601);
      expect(cert.checkPrivateKey(createPrivateKey(readFileSync(path.join(dir, 'key.pem'))))).toBe(true);
    });

    it('prints PEM sections by default and base64 DER as JSON', async () => {
      const pretty = await s.ok(['x509', 'mint', '-spiffeID', `${TD}/p`]);
      expect(pretty).toMatch(
        /^X509-SVID:\n-----BEGIN CERTIFICATE-----\n[^]*\n\nPrivate key:\n-----BEGIN PRIVATE KEY-----\n[^]*\n\nRoot CAs:\n-----BEGIN CERTIFICATE-----\n[^]*-----END CERTIFICATE-----\n\n$/,
      );
      const doc = json<{ x509_svid: string[]; private_key: string; root_cas: string[] }>(
        await s.ok(['x509', 'mint', '-spiffeID', `${TD}/j`, '-output', 'json']),
      );
      expect(Object.keys(doc)).toEqual(['x509_svid', 'private_key', 'root_cas']);
      const leaf = new X509Certificate(Buffer.from(doc.x509_svid[0], 'base64'));
      expect(leaf.subjectAltName).toBe(`URI:${TD}/j`);
      expect(leaf.verify(new X509Certificate(Buffer.from(doc.root_cas[0], 'base64')).publicKey)).toBe(true);
    });

    it('requires -spiffeID, validates it and takes -ttl as a Go duration', async () => {
      expect((await s.cli(['x509', 'mint'])).stderr).toBe('Error: spiffeID must be specified\n');
      expect((await s.cli(['x509', 'mint', '-spiffeID', 'spiffe://example.org/a/../b'])).stderr).toBe(
        'Error: path cannot contain dot segments\n',
      );
      const seconds = await s.cli(['x509', 'mint', '-spiffeID', `${TD}/x`, '-ttl', '3600']);
      expect(seconds.code).toBe(1);
      expect(seconds.stdout).toBe('');
      const capped = await s.cli(['x509', 'mint', '-spiffeID', `${TD}/x`, '-ttl', '1000h']);
      expect(capped.code).toBe(0);
      expect(capped.stderr).toMatch(
        /^X509-SVID lifetime was capped shorter than specified ttl; expires "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"\n$/,
      );
    });
  });

  describe('jwt mint', () => {
    it('mints a token that validates against `bundle show -format spiffe`', async () => {
      const token = (
        await s.ok([
          'jwt',
          'mint',
          '-spiffeID',
          `${TD}/jwt`,
          '-audience',
          'aud1',
          '-audience',
          'aud2',
          '-ttl',
          '5m',
        ])
      ).trimEnd();
      const bundle = SpiffeBundle.parse(
        TrustDomain.parse('example.org'),
        await s.ok(['bundle', 'show', '-format', 'spiffe']),
      );
      const svid = JwtSvid.parseAndValidate(token, { bundles: bundle, audience: ['aud2'] });
      expect(svid.id.toString()).toBe(`${TD}/jwt`);
      expect(svid.audience).toEqual(['aud1', 'aud2']);
      expect(() => JwtSvid.parseAndValidate(token, { bundles: bundle, audience: ['other'] })).toThrow();
    });

    it('writes the token to a 0600 file and prints MintJWTSVIDResponse JSON', async () => {
      const file = path.join(s.dir, 'token.jwt');
      expect(await s.ok(['jwt', 'mint', '-spiffeID', `${TD}/w`, '-audience', 'a', '-write', file])).toBe(
        `JWT-SVID written to ${file}\n`,
      );
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8').split('.')).toHaveLength(3);
      const doc = json<{ svid: { token: string; expires_at: string; issued_at: string; id: unknown } }>(
        await s.ok(['jwt', 'mint', '-spiffeID', `${TD}/w`, '-audience', 'a', '-output', 'json']),
      );
      expect(doc.svid.id).toEqual({ path: '/w', trust_domain: 'example.org' });
      expect(typeof doc.svid.expires_at).toBe('string');
      expect(Number(doc.svid.expires_at)).toBeGreaterThan(Number(doc.svid.issued_at));
    });

    it('requires -spiffeID and at least one -audience', async () => {
      expect((await s.cli(['jwt', 'mint', '-audience', 'a'])).stderr).toBe(
        'Error: spiffeID must be specified\n',
      );
      expect((await s.cli(['jwt', 'mint', '-spiffeID', `${TD}/a`])).stderr).toBe(
        'Error: at least one audience must be specified\n',
      );
    });
  });
});
