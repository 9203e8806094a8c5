import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseK8sConfig } from '@lanyard/attestor-k8s';
import { parseServerConfig as parsePsatConfig } from '@lanyard/attestor-k8s-psat';
import { parseAgentConfig } from '@lanyard/agent';
import { parseConfigText } from '@lanyard/common';
import { oidcConfigFromParsed } from '@lanyard/oidc-discovery';
import { parseServerConfig } from '@lanyard/server';
import { parseAllDocuments } from 'yaml';
import { type RenderedFile, renderChart, renderTemplate } from './k8s-helm-render';
import { type Container, type KubeObject, type PodTemplate, need } from './k8s-objects';

const REPO = path.resolve(__dirname, '..', '..');
const CHART = path.join(REPO, 'deploy', 'helm', 'lanyard');
const MANIFEST = path.join(REPO, 'deploy', 'kubernetes', 'lanyard.yaml');
const RELEASE = { name: 'lanyard', namespace: 'spire' };

function objects(files: RenderedFile[]): KubeObject[] {
  return files.flatMap((file) =>
    parseAllDocuments(file.text).map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file.name}: ${doc.errors[0].message}`);
      return doc.toJS() as KubeObject;
    }),
  );
}

function render(overrides: Record<string, unknown> = {}): KubeObject[] {
  return objects(renderChart(CHART, RELEASE, overrides));
}

function find(objs: KubeObject[], kind: string, name: string): KubeObject {
  const found = objs.find((o) => o.kind === kind && o.metadata?.name === name);
  if (!found)
    throw new Error(`no ${kind} ${name} in ${objs.map((o) => `${o.kind}/${o.metadata?.name}`).join(', ')}`);
  return found;
}

function template(workload: KubeObject): PodTemplate {
  return need(workload.spec?.template, `pod template in ${workload.kind}/${workload.metadata.name}`);
}

function container(workload: KubeObject): Container {
  return template(workload).spec.containers[0];
}

function configData(objs: KubeObject[], name: string, key: string): string {
  return need(find(objs, 'ConfigMap', name).data?.[key], `${key} in ConfigMap ${name}`);
}

function mountOf(c: Container, volume: string): string {
  return need(
    c.volumeMounts.find((m) => m.name === volume),
    `mount of ${volume}`,
  ).mountPath;
}

function serverConf(objs: KubeObject[]) {
  return parseServerConfig(configData(objs, 'lanyard-server', 'server.conf')).config;
}

function agentConf(objs: KubeObject[]) {
  return parseAgentConfig(configData(objs, 'lanyard-agent', 'agent.conf')).config;
}

describe('helm chart deploy/helm/lanyard (rendered with the test-side subset renderer, not helm)', () => {
  it('renders only valid Kubernetes objects named after the release', () => {
    const objs = render();
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ClusterRole/lanyard-agent',
      'ClusterRole/lanyard-server',
      'ClusterRoleBinding/lanyard-agent',
      'ClusterRoleBinding/lanyard-server',
      'ConfigMap/lanyard-agent',
      'ConfigMap/lanyard-bundle',
      'ConfigMap/lanyard-oidc-discovery',
      'ConfigMap/lanyard-server',
      'DaemonSet/lanyard-agent',
      'Role/lanyard-server',
      'RoleBinding/lanyard-server',
      'Service/lanyard-oidc-discovery',
      'Service/lanyard-server',
      'ServiceAccount/lanyard-agent',
      'ServiceAccount/lanyard-server',
      'StatefulSet/lanyard-server',
    ]);
    for (const o of objs) expect(o.apiVersion).toMatch(/^(v1|apps\/v1|rbac.authorization.k8s.io\/v1)$/);
  });

  it('server and agent configs are accepted by the real config loaders and attestor parsers', () => {
    const objs = render({ trustDomain: 'prod.example', clusterName: 'eu-1' });
    const server = serverConf(objs);
    expect(server.server.trustDomain ?? server).toBeDefined();
    const psat = server.plugins.nodeAttestors.find((n) => n.name === 'k8s_psat');
    expect(psat).toBeDefined();
    const clusters = parsePsatConfig(psat?.pluginData ?? {}).clusters;
    expect([...clusters.keys()]).toEqual(['eu-1']);
    expect([...(clusters.get('eu-1')?.serviceAccountAllowList ?? [])]).toEqual(['spire:lanyard-agent']);
    const agent = agentConf(objs);
    expect(agent.plugins.nodeAttestor).toMatchObject({ name: 'k8s_psat', data: { cluster: 'eu-1' } });
    const k8s = agent.plugins.workloadAttestors.find((w) => w.name === 'k8s');
    expect(parseK8sConfig(k8s?.data ?? {}, { MY_NODE_NAME: 'node-1' })).toMatchObject({ nodeName: 'node-1' });
  });

  it('the k8s workload attestor verifies the kubelet against the cluster CA by default', () => {
    const k8sConfig = (overrides: Record<string, unknown> = {}) => {
      const k8s = agentConf(render(overrides)).plugins.workloadAttestors.find((w) => w.name === 'k8s');
      return parseK8sConfig(k8s?.data ?? {}, { MY_NODE_NAME: 'node-1' });
    };
    expect(k8sConfig()).toMatchObject({
      scheme: 'https',
      skipKubeletVerification: false,
      kubeletCaPath: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
      host: 'node-1',
    });
    expect(k8sConfig({ agent: { kubeletCaPath: '/run/kubelet-ca/ca.crt' } }).kubeletCaPath).toBe(
      '/run/kubelet-ca/ca.crt',
    );
    expect(k8sConfig({ agent: { skipKubeletVerification: true } })).toMatchObject({
      skipKubeletVerification: true,
      kubeletCaPath: undefined,
    });
    expect(template(find(render(), 'DaemonSet', 'lanyard-agent')).spec.automountServiceAccountToken).not.toBe(
      false,
    );
  });

  it('the agent token audience equals the server’s k8s_psat audience, and the token path matches its mount', () => {
    for (const audience of ['spire-server', 'lanyard.prod']) {
      const objs = render({ agent: { tokenAudience: audience } });
      const psat = serverConf(objs).plugins.nodeAttestors.find((n) => n.name === 'k8s_psat');
      const cluster = parsePsatConfig(psat?.pluginData ?? {}).clusters.get('demo-cluster');
      const ds = find(objs, 'DaemonSet', 'lanyard-agent');
      const volume = need(
        template(ds).spec.volumes.find((v) => v.projected),
        'projected token volume',
      );
      const source = need(volume.projected, 'projection').sources[0].serviceAccountToken;
      expect(cluster?.audience).toEqual([source.audience]);
      expect(source.audience).toBe(audience);
      const tokenPath = agentConf(objs).plugins.nodeAttestor.data.token_path;
      expect(tokenPath).toBe(path.posix.join(mountOf(container(ds), volume.name), source.path));
    }
  });

  it('agent DaemonSet: hostPID, node name from the downward API, Workload API socket on a hostPath', () => {
    const objs = render({ agent: { socketDir: '/run/lanyard-sockets' } });
    const ds = find(objs, 'DaemonSet', 'lanyard-agent');
    const pod = template(ds).spec;
    expect(pod.hostPID).toBe(true);
    expect(pod.serviceAccountName).toBe('lanyard-agent');
    expect(container(ds).env).toContainEqual({
      name: 'MY_NODE_NAME',
      valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } },
    });
    const hostVolume = need(
      pod.volumes.find((v) => v.hostPath),
      'hostPath volume',
    );
    expect(hostVolume.hostPath).toEqual({ path: '/run/lanyard-sockets', type: 'DirectoryOrCreate' });
    expect(path.posix.dirname(agentConf(objs).agent.socketPath)).toBe(
      mountOf(container(ds), hostVolume.name),
    );
  });

  it('liveness and readiness probes hit the health listener the configs enable', () => {
    const objs = render();
    for (const [kind, name, conf] of [
      ['DaemonSet', 'lanyard-agent', agentConf(objs)],
      ['StatefulSet', 'lanyard-server', serverConf(objs)],
    ] as const) {
      const c = container(find(objs, kind, name));
      const port = need(
        c.ports.find((p) => p.name === 'health'),
        'health port',
      ).containerPort;
      expect(conf.healthChecks).toMatchObject({
        listenerEnabled: true,
        bindPort: port,
        livePath: '/live',
        readyPath: '/ready',
      });
      expect(c.livenessProbe.httpGet).toEqual({ path: '/live', port: 'health' });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'health' });
      expect(c.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    }
  });

  it('RBAC: the server may create TokenReviews and get pods and nodes; the agent may read the kubelet', () => {
    const objs = render();
    expect(find(objs, 'ClusterRole', 'lanyard-server').rules).toEqual([
      { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
      { apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get'] },
    ]);
    expect(find(objs, 'ClusterRole', 'lanyard-agent').rules).toEqual([
      { apiGroups: [''], resources: ['pods', 'nodes', 'nodes/proxy'], verbs: ['get'] },
    ]);
    for (const name of ['lanyard-server', 'lanyard-agent']) {
      expect(find(objs, 'ClusterRoleBinding', name).subjects).toEqual([
        { kind: 'ServiceAccount', name, namespace: 'spire' },
      ]);
    }
  });

  it('server StatefulSet keeps data_dir on a PVC, runs as non-root, and the Service targets its port', () => {
    const objs = render({ server: { storageSize: '5Gi' } });
    const sts = find(objs, 'StatefulSet', 'lanyard-server');
    const conf = serverConf(objs);
    const claim = need(sts.spec?.volumeClaimTemplates?.[0], 'volume claim template');
    expect(claim.spec.resources.requests.storage).toBe('5Gi');
    expect(conf.server.dataDir).toBe(mountOf(container(sts), claim.metadata.name));
    expect(template(sts).spec.securityContext).toMatchObject({ runAsNonRoot: true });
    const svc = find(objs, 'Service', 'lanyard-server');
    expect(svc.spec?.selector).toEqual(template(sts).metadata.labels);
    expect(svc.spec?.ports?.[0].port).toBe(conf.server.bindPort);
    expect(agentConf(objs).agent).toMatchObject({
      serverAddress: 'lanyard-server.spire.svc',
      serverPort: conf.server.bindPort,
    });
  });

  it('Postgres: connection string from a Secret through -expandEnv; SQLite on the volume otherwise', () => {
    const sqlite = render();
    expect(container(find(sqlite, 'StatefulSet', 'lanyard-server')).env).toBeUndefined();
    expect(configData(sqlite, 'lanyard-server', 'server.conf')).toContain('database_type = "sqlite3"');
    const pg = render({ server: { postgres: { enabled: true, secretName: 'pg', secretKey: 'url' } } });
    const sts = container(find(pg, 'StatefulSet', 'lanyard-server'));
    expect(sts.args).toContain('-expandEnv');
    expect(sts.env).toEqual([
      { name: 'LANYARD_POSTGRES_CONNECTION_STRING', valueFrom: { secretKeyRef: { name: 'pg', key: 'url' } } },
    ]);
    expect(configData(pg, 'lanyard-server', 'server.conf')).toContain(
      'connection_string = "${LANYARD_POSTGRES_CONNECTION_STRING}"',
    );
  });

  it('the server keeps the trust-bundle ConfigMap current (Notifier "k8sbundle") with get/patch on it alone', () => {
    const objs = render();
    const [clusters] = serverConf(objs).plugins.kubeBundle.k8sBundle ?? [];
    expect(clusters).toEqual([
      expect.objectContaining({
        namespace: 'spire',
        configMap: 'lanyard-bundle',
        configMapKey: 'bundle.crt',
      }),
    ]);
    expect(clusters[0].kubeConfigFilePath).toBeUndefined();
    // The chart leaves bundle.crt to the notifier, so `helm upgrade` does not blank it.
    expect(find(objs, 'ConfigMap', 'lanyard-bundle').data).toBeUndefined();
    expect(find(objs, 'Role', 'lanyard-server').rules).toEqual([
      {
        apiGroups: [''],
        resources: ['configmaps'],
        resourceNames: ['lanyard-bundle'],
        verbs: ['get', 'patch'],
      },
    ]);
    expect(find(objs, 'RoleBinding', 'lanyard-server').subjects).toEqual([
      { kind: 'ServiceAccount', name: 'lanyard-server', namespace: 'spire' },
    ]);
    const off = render({ server: { bundleNotifier: { enabled: false } } });
    expect(serverConf(off).plugins.kubeBundle.k8sBundle).toEqual([]);
    expect(off.filter((o) => o.kind === 'Role' || o.kind === 'RoleBinding')).toEqual([]);
  });

  it('agents bootstrap from the trust-bundle ConfigMap, or insecurely when asked', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const objs = render({ trustBundle: pem });
    expect(configData(objs, 'lanyard-bundle', 'bundle.crt')).toBe(pem);
    const bundleMount = mountOf(container(find(objs, 'DaemonSet', 'lanyard-agent')), 'bundle');
    expect(agentConf(objs).agent.trustBootstrap).toEqual({
      kind: 'path',
      path: `${bundleMount}/bundle.crt`,
      format: 'pem',
    });
    expect(agentConf(render({ agent: { insecureBootstrap: true } })).agent.trustBootstrap).toEqual({
      kind: 'insecure',
    });
  });

  it('OIDC discovery provider: its config parses, reads the server socket it shares, and the issuers agree', () => {
    const objs = render({
      oidcDiscovery: { domain: 'oidc.prod.example', jwtIssuer: 'https://oidc.prod.example' },
    });
    const oidc = oidcConfigFromParsed(
      parseConfigText(configData(objs, 'lanyard-oidc-discovery', 'oidc-discovery-provider.conf')),
    );
    const server = serverConf(objs).server;
    expect(oidc.source).toMatchObject({ kind: 'server_api', socketPath: server.socketPath });
    expect(oidc.domains).toEqual(['oidc.prod.example']);
    expect(oidc.jwtIssuer).toBe('https://oidc.prod.example');
    expect(server.jwtIssuer).toBe(oidc.jwtIssuer);
    expect(server.jwtKeyType).toBe('rsa-2048');
    const sts = find(objs, 'StatefulSet', 'lanyard-server');
    const [serverContainer, provider] = template(sts).spec.containers;
    expect(provider.name).toBe('lanyard-oidc-discovery');
    const socketDir = mountOf(serverContainer, 'admin-socket');
    expect(mountOf(provider, 'admin-socket')).toBe(socketDir);
    expect(server.socketPath.startsWith(`${socketDir}/`)).toBe(true);
    const port = need(
      provider.ports.find((p) => p.name === 'oidc'),
      'oidc port',
    ).containerPort;
    expect(oidc.serving).toMatchObject({ kind: 'insecure_addr', port });
    const svc = find(objs, 'Service', 'lanyard-oidc-discovery');
    expect(svc.spec?.selector).toEqual(template(sts).metadata.labels);
    expect(svc.spec?.ports?.[0]).toMatchObject({ targetPort: 'oidc', port: 80 });
  });

  it('OIDC discovery provider disabled: no provider objects and no jwt_issuer', () => {
    const objs = render({ oidcDiscovery: { enabled: false } });
    expect(objs.filter((o) => o.metadata.name === 'lanyard-oidc-discovery')).toEqual([]);
    expect(template(find(objs, 'StatefulSet', 'lanyard-server')).spec.containers).toHaveLength(1);
    expect(serverConf(objs).server.jwtIssuer).toBeUndefined();
  });

  it('deploy/kubernetes/lanyard.yaml is the chart rendered with default values', () => {
    const files = renderChart(CHART, RELEASE);
    if (process.env.LANYARD_UPDATE_MANIFESTS === '1') {
      const header =
        '# Generated from deploy/helm/lanyard with default values (release "lanyard", namespace "spire").\n';
      const body = files
        .map((f) => `---\n# Source: lanyard/templates/${f.name}\n${f.text.trim()}\n`)
        .join('');
      writeFileSync(MANIFEST, header + body); // then: npx prettier --write deploy/kubernetes
    }
    const committed = objects([{ name: 'lanyard.yaml', text: readFileSync(MANIFEST, 'utf8') }]);
    expect(committed).toEqual(objects(files));
  });
});

describe('the subset template renderer', () => {
  const context = {
    Values: { a: { b: 'x' }, on: true, off: false, n: 3, s: 'say "hi"\n' },
    Release: { Name: 'r', Namespace: 'ns' },
    Chart: {},
  };

  it('substitutes values, quotes, nests ifs and trims whitespace like Go templates', () => {
    expect(renderTemplate('v: {{ .Values.a.b }}-{{ .Release.Name }} {{ .Values.n }}', context)).toBe(
      'v: x-r 3',
    );
    expect(renderTemplate('q: {{ .Values.s | quote }}', context)).toBe('q: "say \\"hi\\"\\n"');
    const text =
      'a\n{{- if .Values.on }}\nb\n{{- if .Values.off }}\nc\n{{- else }}\nd\n{{- end }}\n{{- end }}\ne';
    expect(renderTemplate(text, context)).toBe('a\nb\nd\ne');
    expect(renderTemplate('x {{- .Values.n -}} y', context)).toBe('x3y');
  });

  it('refuses what it does not implement and missing values', () => {
    expect(() => renderTemplate('{{ .Values.nope }}', context)).toThrow(
      'template references missing value .Values.nope',
    );
    expect(() => renderTemplate('{{ .Values.a.b | upper }}', context)).toThrow(
      'unsupported template function "upper"',
    );
    expect(() => renderTemplate('{{ include "x" . }}', context)).toThrow(/unsupported template expression/);
    expect(() => renderTemplate('{{ if .Values.on }}x', context)).toThrow('unclosed {{ if }}');
    expect(() => renderTemplate('{{ .Values.a }}', context)).toThrow('.Values.a is not a scalar');
  });
});
