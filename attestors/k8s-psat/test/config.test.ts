import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { FailedPreconditionError, InvalidArgumentError, PermissionDeniedError } from '@lanyard/base';
import { KubeApiClient, inClusterConnection } from '@lanyard/attestor-core';
import { loadKubeconfig } from '@lanyard/attestor-core/server';
import { parseAgentConfig, parseServerConfig } from '../src';
import { type PsatWorld, agentPayload, noChallenge, server, startWorld, writeKubeconfig } from './helpers';

let world: PsatWorld;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => world.stop());

describe('k8s_psat configuration', () => {
  it('agent: cluster is required, token_path defaults to the projected token volume, unknown keys fail', () => {
    expect(parseAgentConfig({ cluster: 'c1' })).toEqual({
      cluster: 'c1',
      tokenPath: '/var/run/secrets/tokens/spire-agent',
    });
    expect(() => parseAgentConfig({})).toThrow('k8s_psat: plugin_data.cluster is required');
    expect(() => parseAgentConfig({ cluster: 'c1', token_file: '/t' })).toThrow(
      'k8s_psat: unknown configuration detected: section "k8s_psat plugin_data": keys token_file',
    );
  });

  it('agent: a missing or empty token file is a precondition failure naming the path', async () => {
    await expect(agentPayload(world, { token_path: path.join(world.dir, 'nope') })).rejects.toThrow(
      FailedPreconditionError,
    );
    writeFileSync(world.tokenPath, '\n');
    await expect(agentPayload(world)).rejects.toThrow(`k8s_psat: token file "${world.tokenPath}" is empty`);
  });

  it('server: defaults, and errors that name the cluster and key', () => {
    const config = parseServerConfig({
      clusters: { c1: { service_account_allow_list: ['spire:spire-agent'] } },
    });
    const c1 = config.clusters.get('c1');
    expect(c1?.audience).toEqual(['spire-server']);
    expect(c1?.kubeConfigFile).toBeUndefined();
    expect(c1?.usePodUidForAgentId).toBe(false);
    expect(() => parseServerConfig({ clusters: { c1: { service_account_allow_list: ['x'] } } })).toThrow(
      'k8s_psat: plugin_data.clusters."c1".service_account_allow_list entry "x" must be "namespace:name"',
    );
    expect(() => parseServerConfig({ clusters: { c1: {} } })).toThrow(
      'k8s_psat: plugin_data.clusters."c1".service_account_allow_list is required',
    );
    expect(() =>
      parseServerConfig({ clusters: { c1: { service_account_allow_list: ['a:b'], audiences: ['x'] } } }),
    ).toThrow('k8s_psat: unknown configuration detected: section "k8s_psat cluster": keys audiences');
    expect(() => parseServerConfig({ cluster: {} })).toThrow(InvalidArgumentError);
    expect(() => parseServerConfig({ clusters: { c1: 'x' } })).toThrow(
      'k8s_psat: plugin_data.clusters.c1: must be a block (an object)',
    );
  });

  it('kubeconfig: client certificate and CA from files relative to the kubeconfig', async () => {
    const client = world.api.issueClientCertificate('lanyard-server');
    writeFileSync(path.join(world.dir, 'ca.pem'), world.api.caPem);
    writeFileSync(path.join(world.dir, 'client.pem'), client.certPem);
    writeFileSync(path.join(world.dir, 'client.key'), client.keyPem);
    const file = path.join(world.dir, 'certs.yaml');
    writeFileSync(
      file,
      `apiVersion: v1
kind: Config
current-context: ctx
clusters:
- name: k
  cluster:
    server: ${world.api.url}/
    certificate-authority: ca.pem
users:
- name: u
  user:
    client-certificate: client.pem
    client-key: client.key
contexts:
- name: ctx
  context:
    cluster: k
    user: u
`,
    );
    const attestor = await server(world, { kube_config_file: file });
    await expect(attestor.attest(await agentPayload(world), noChallenge)).resolves.toMatchObject({
      canReattest: true,
    });
    expect(world.api.requests.every((r) => r.clientCertCn === 'lanyard-server')).toBe(true);
  });

  it('kubeconfig: wrong credentials are refused by the API server; exec plugins and bad files are config errors', async () => {
    const bad = writeKubeconfig(world.dir, world.api, '    token: not-the-token');
    const attestor = await server(world, { kube_config_file: bad });
    await expect(attestor.attest(await agentPayload(world), noChallenge)).rejects.toThrow(
      PermissionDeniedError,
    );
    await expect(attestor.attest(await agentPayload(world), noChallenge)).rejects.toThrow(
      /kubernetes API refused the token review request \(HTTP 401\): Unauthorized/,
    );
    const exec = writeKubeconfig(world.dir, world.api, '    exec: {command: aws}');
    await expect(loadKubeconfig(exec)).rejects.toThrow(/user.exec authentication is not supported/);
    await expect(loadKubeconfig(path.join(world.dir, 'missing'))).rejects.toThrow(/cannot be read/);
    const noContext = path.join(world.dir, 'empty.yaml');
    writeFileSync(noContext, 'apiVersion: v1\nkind: Config\n');
    await expect(loadKubeconfig(noContext)).rejects.toThrow(/current-context is not set/);
  });

  it('kubeconfig: a server certificate from another CA is rejected', async () => {
    const file = writeKubeconfig(world.dir, world.api);
    const text = (await import('node:fs')).readFileSync(file, 'utf8');
    const otherCa = (await import('@lanyard/test-support')).TestCa.create({ trustDomain: 'other.test' });
    writeFileSync(
      file,
      text.replace(
        /certificate-authority-data: .*/,
        `certificate-authority-data: ${Buffer.from(otherCa.certificate.pem).toString('base64')}`,
      ),
    );
    const attestor = await server(world, { kube_config_file: file });
    await expect(attestor.attest(await agentPayload(world), noChallenge)).rejects.toThrow(
      /unreachable for token review/,
    );
  });

  it('in-cluster: service host/port variables, ca.crt and a token file re-read per request', async () => {
    writeFileSync(path.join(world.dir, 'ca.crt'), world.api.caPem);
    writeFileSync(path.join(world.dir, 'token'), 'stale');
    const env = { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(world.api.port) };
    const connection = await inClusterConnection({ env, serviceAccountDir: world.dir });
    expect(connection.server).toBe(world.api.url);
    const client = new KubeApiClient(connection);
    try {
      await expect(client.getNode('node-a')).rejects.toThrow(/HTTP 401/);
      writeFileSync(path.join(world.dir, 'token'), world.api.clientToken);
      await expect(client.getNode('node-a')).resolves.toMatchObject({ metadata: { name: 'node-a' } });
      await expect(client.getNode('node-z')).rejects.toThrow('node "node-z" not found');
    } finally {
      client.close();
    }
    await expect(inClusterConnection({ env: {}, serviceAccountDir: world.dir })).rejects.toThrow(
      /KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined/,
    );
  });
});
