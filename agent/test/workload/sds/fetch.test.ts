/** FetchSecrets and SDS resource naming, over a real Unix socket with real certificates. */
import { X509Certificate } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { SecretDiscoveryServiceClient } from '@lanyard/proto';
import { issueSvid, makeEntry, makeTrustDomain, startApi, type RunningApi } from '../../workload-fixtures';
import {
  certificateOf,
  decodeSecrets,
  fetchSecrets,
  parsePemCertificates,
  sdsClient,
  signedByOneOf,
} from './sds-fixtures';

const uid = process.getuid!();
const mine = `test:uid:${uid}`;
let api: RunningApi | undefined;
let client: SecretDiscoveryServiceClient | undefined;

async function start(server: Parameters<typeof startApi>[0] = {}): Promise<RunningApi> {
  api = await startApi(server);
  client = sdsClient(api.socketPath);
  return api;
}

afterEach(async () => {
  client?.close();
  await api?.close();
  api = undefined;
  client = undefined;
});

function addIdentity(a: RunningApi, id: string, path: string, extra: Parameters<typeof makeEntry>[3] = {}) {
  const entry = makeEntry(id, `spiffe://example.org${path}`, [mine], extra);
  a.cache.updateEntries([...a.cache.entries().filter((e) => e.entryId !== id), entry]);
  a.cache.setSvid(id, issueSvid(a.td.ca, entry));
  return entry;
}

function roots(a: RunningApi): X509Certificate[] {
  return a.td.ca.bundle().map((der) => new X509Certificate(der));
}

test('empty resource_names: every SVID and the own trust domain, SPIFFE validator, no version or nonce', async () => {
  const a = await start();
  addIdentity(a, 'e1', '/web');
  addIdentity(a, 'e2', '/db');
  const response = await fetchSecrets(client!, { resource_names: [] });
  expect(response.version_info).toBe('');
  expect(response.nonce).toBe('');
  expect(response.type_url).toBe('type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret');
  const secrets = decodeSecrets(response);
  // SVIDs in entry ID order, as on the Workload API.
  expect(secrets.map((s) => s.name)).toEqual([
    'spiffe://example.org',
    'spiffe://example.org/web',
    'spiffe://example.org/db',
  ]);
  const [bundle, ...certs] = secrets;
  expect(bundle.secret.validation_context?.custom_validator_config?.name).toBe(
    'envoy.tls.cert_validator.spiffe',
  );
  expect(bundle.validator?.trust_domains.map((t) => t.name)).toEqual(['example.org']);
  const trusted = parsePemCertificates(bundle.validator!.trust_domains[0].trust_bundle!.inline_bytes!);
  expect(trusted.map((c) => c.fingerprint256)).toEqual(roots(a).map((c) => c.fingerprint256));
  for (const cert of certs) {
    const { chain, key } = certificateOf(cert);
    expect(chain[0].subjectAltName).toBe(`URI:${cert.name}`);
    expect(chain[0].checkPrivateKey(key)).toBe(true);
    expect(signedByOneOf(chain[0], trusted)).toBe(true);
  }
});

test('default names: "default" is the first SVID, "ROOTCA" the own validation context', async () => {
  const a = await start();
  addIdentity(a, 'e1', '/first');
  addIdentity(a, 'e2', '/second');
  const secrets = decodeSecrets(await fetchSecrets(client!, { resource_names: ['default', 'ROOTCA'] }));
  expect(secrets.map((s) => s.name)).toEqual(['ROOTCA', 'default']);
  expect(certificateOf(secrets[1]).chain[0].subjectAltName).toBe('URI:spiffe://example.org/first');
  expect(secrets[0].validator?.trust_domains.map((t) => t.name)).toEqual(['example.org']);
});

test('configured sds names replace the defaults', async () => {
  const a = await start({
    server: { sds: { defaultSvidName: 'mine', defaultBundleName: 'roots', defaultAllBundlesName: 'every' } },
  });
  addIdentity(a, 'e1', '/web');
  const secrets = decodeSecrets(await fetchSecrets(client!, { resource_names: ['mine', 'roots'] }));
  expect(secrets.map((s) => s.name)).toEqual(['roots', 'mine']);
  const err = await fetchSecrets(client!, { resource_names: ['default'] }).catch((e: grpc.ServiceError) => e);
  expect((err as grpc.ServiceError).code).toBe(grpc.status.INVALID_ARGUMENT);
});

test('a federated trust domain has its own validation context, and ALL holds every bundle sorted', async () => {
  const a = await start();
  const other = makeTrustDomain('other.org');
  const zeta = makeTrustDomain('a-first.org');
  a.cache.setFederatedBundles([other.bundle, zeta.bundle]);
  addIdentity(a, 'e1', '/web', { federatesWith: ['other.org', 'a-first.org'] });
  const one = decodeSecrets(await fetchSecrets(client!, { resource_names: ['spiffe://other.org'] }));
  expect(one.map((s) => s.name)).toEqual(['spiffe://other.org']);
  const otherRoots = parsePemCertificates(one[0].validator!.trust_domains[0].trust_bundle!.inline_bytes!);
  expect(one[0].validator!.trust_domains[0].name).toBe('other.org');
  expect(otherRoots[0].fingerprint256).toBe(new X509Certificate(other.ca.bundle()[0]).fingerprint256);

  const all = decodeSecrets(await fetchSecrets(client!, { resource_names: ['ALL'] }));
  expect(all.map((s) => s.name)).toEqual(['ALL']);
  expect(all[0].validator!.trust_domains.map((t) => t.name)).toEqual([
    'a-first.org',
    'example.org',
    'other.org',
  ]);

  const everything = decodeSecrets(await fetchSecrets(client!, { resource_names: [] }));
  expect(everything.map((s) => s.name)).toEqual([
    'spiffe://example.org',
    'spiffe://a-first.org',
    'spiffe://other.org',
    'spiffe://example.org/web',
  ]);
});

test('disable_spiffe_cert_validation answers a plain trusted_ca; ALL is then an INTERNAL error as in SPIRE', async () => {
  const a = await start({ server: { sds: { disableSpiffeCertValidation: true } } });
  addIdentity(a, 'e1', '/web');
  const [ctx] = decodeSecrets(await fetchSecrets(client!, { resource_names: ['ROOTCA'] }));
  expect(ctx.secret.validation_context?.custom_validator_config).toBeNull();
  const [reenabled] = decodeSecrets(
    await fetchSecrets(client!, {
      resource_names: ['ROOTCA'],
      node: { metadata: { fields: { disable_spiffe_cert_validation: { stringValue: 'false' } } } },
    }),
  );
  expect(reenabled.validator?.trust_domains.map((t) => t.name)).toEqual(['example.org']);
  const trusted = parsePemCertificates(ctx.secret.validation_context!.trusted_ca!.inline_bytes!);
  expect(trusted.map((c) => c.fingerprint256)).toEqual(roots(a).map((c) => c.fingerprint256));
  const err = (await fetchSecrets(client!, { resource_names: ['ALL'] }).catch((e) => e)) as grpc.ServiceError;
  expect(err.code).toBe(grpc.status.INTERNAL);
  expect(err.details).toBe('unable to use "SPIFFE validator" on Envoy below 1.17');
});

test('node metadata overrides the setting; an Envoy below 1.18 gets trusted_ca', async () => {
  const a = await start();
  addIdentity(a, 'e1', '/web');
  const byMetadata = decodeSecrets(
    await fetchSecrets(client!, {
      resource_names: ['ROOTCA'],
      node: { metadata: { fields: { disable_spiffe_cert_validation: { stringValue: 'true' } } } },
    }),
  );
  expect(byMetadata[0].secret.validation_context?.trusted_ca?.inline_bytes).toBeDefined();
  expect(byMetadata[0].validator).toBeUndefined();
  const oldEnvoy = decodeSecrets(
    await fetchSecrets(client!, {
      resource_names: ['ROOTCA'],
      node: { user_agent_build_version: { version: { major_number: 1, minor_number: 17, patch: 0 } } },
    }),
  );
  expect(oldEnvoy[0].validator).toBeUndefined();
  const newEnvoy = decodeSecrets(
    await fetchSecrets(client!, {
      resource_names: ['ROOTCA'],
      node: { user_agent_build_version: { version: { major_number: 1, minor_number: 18, patch: 0 } } },
    }),
  );
  expect(newEnvoy[0].validator?.trust_domains).toHaveLength(1);
});

test('a name the caller has no identity for fails the request with INVALID_ARGUMENT naming it', async () => {
  const a = await start();
  addIdentity(a, 'e1', '/web');
  const err = (await fetchSecrets(client!, {
    resource_names: ['spiffe://example.org/web', 'spiffe://example.org/admin', 'spiffe://nope.org'],
  }).catch((e) => e)) as grpc.ServiceError;
  expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(err.details).toBe(
    'workload is not authorized for the requested identities ["spiffe://example.org/admin" "spiffe://nope.org"]',
  );
});

test('a caller matching no entry gets the own validation context only, and is refused any SVID name', async () => {
  const a = await start();
  const entry = makeEntry('e1', 'spiffe://example.org/other', ['test:uid:99999']);
  a.cache.updateEntries([entry]);
  a.cache.setSvid('e1', issueSvid(a.td.ca, entry));
  const secrets = decodeSecrets(await fetchSecrets(client!, { resource_names: [] }));
  expect(secrets.map((s) => s.name)).toEqual(['spiffe://example.org']);
  const err = (await fetchSecrets(client!, { resource_names: ['default'] }).catch(
    (e) => e,
  )) as grpc.ServiceError;
  expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
});

test('SDS needs no workload.spiffe.io header, but a failed attestation is UNAVAILABLE', async () => {
  await start({
    attestors: [
      {
        name: 'broken',
        attest: async () => {
          throw new Error('attestor down');
        },
      },
    ],
  });
  const err = (await fetchSecrets(client!, { resource_names: [] }).catch((e) => e)) as grpc.ServiceError;
  expect(err.code).toBe(grpc.status.UNAVAILABLE);
  expect(err.details).toBe('workload attestation failed');
});

test('disable_sds_api leaves the service out (UNIMPLEMENTED); disable_workload_api keeps SDS', async () => {
  const a = await start({ server: { disableSdsApi: true } });
  addIdentity(a, 'e1', '/web');
  const err = (await fetchSecrets(client!, { resource_names: [] }).catch((e) => e)) as grpc.ServiceError;
  expect(err.code).toBe(grpc.status.UNIMPLEMENTED);
  client!.close();
  await a.close();

  const b = await start({ server: { disableWorkloadApi: true } });
  addIdentity(b, 'e1', '/web');
  expect(decodeSecrets(await fetchSecrets(client!, { resource_names: ['default'] }))).toHaveLength(1);
});

test('DeltaSecrets answers UNIMPLEMENTED', async () => {
  await start();
  const call = client!.DeltaSecrets();
  const status = await new Promise<grpc.StatusObject>((resolve) => {
    call.on('status', resolve);
    call.on('error', () => undefined);
    call.write({ type_url: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret' });
  });
  expect(status.code).toBe(grpc.status.UNIMPLEMENTED);
});
