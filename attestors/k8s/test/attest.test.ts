import { rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  FailedPreconditionError,
  InternalError,
  PermissionDeniedError,
  UnavailableError,
} from '@lanyard/base';
import { makePod } from '@lanyard/test-support';
import {
  CONTAINER_ID,
  type KubeletWorld,
  OTHER_CONTAINER_ID,
  POD_UID,
  attestor,
  paymentsPod,
  placeProcess,
  startWorld,
  values,
} from './helpers';

let world: KubeletWorld;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => world.stop());

const caller = (pid: number) => ({ pid, uid: 1000, gid: 1000 });
const API_IMAGE = 'registry.example/payments/api:1.4.2';
const apiImageId = () => world.pod.status.containerStatuses?.[0].imageID ?? '';

describe('k8s workload attestor against the fake kubelet', () => {
  it('maps a containerd pid to SPIRE’s pod and container selectors (secure port, bearer token)', async () => {
    placeProcess(world, 4242, 'containerd-v2-systemd.txt');
    const selectors = values(await attestor(world).attest(caller(4242)));
    const statuses = world.pod.status;
    expect(selectors).toEqual([
      'k8s:sa:api',
      'k8s:ns:payments',
      'k8s:node-name:node-a',
      `k8s:pod-uid:${POD_UID}`,
      'k8s:pod-name:api-7d9f8c6b5-x2x4q',
      'k8s:pod-image-count:2',
      'k8s:pod-init-image-count:1',
      ...[...(statuses.containerStatuses ?? []).flatMap((s) => [s.image, s.imageID])]
        .sort()
        .map((i) => `k8s:pod-image:${i}`),
      ...[...(statuses.initContainerStatuses ?? []).flatMap((s) => [s.image, s.imageID])]
        .sort()
        .map((i) => `k8s:pod-init-image:${i}`),
      'k8s:pod-label:app:api',
      'k8s:pod-label:tier:backend',
      'k8s:pod-owner:ReplicaSet:api-7d9f8c6b5',
      'k8s:pod-owner-uid:ReplicaSet:8e0a7f5c-1b2d-4c3e-8f9a-0b1c2d3e4f5a',
      'k8s:container-name:api',
      ...[API_IMAGE, apiImageId()].sort().map((i) => `k8s:container-image:${i}`),
    ]);
    const [req] = world.kubelet.requests;
    expect(req.path).toBe('/pods');
    expect(req.headers.authorization).toBe('Bearer agent-sa-token');
  });

  it('matches an init container and yields its container selectors', async () => {
    placeProcess(world, 7, 'containerd-v1-cgroupfs.txt');
    writeFileSync(
      path.join(world.procRoot, '7', 'cgroup'),
      `1:pids:/kubepods/burstable/pod${POD_UID}/${'d'.repeat(64)}\n`,
    );
    const selectors = values(await attestor(world).attest(caller(7)));
    expect(selectors).toContain('k8s:container-name:migrate');
    expect(selectors).toContain('k8s:container-image:registry.example/payments/migrate:1.4.2');
  });

  it('returns [] for a process outside any pod, without asking the kubelet', async () => {
    placeProcess(world, 1, 'host-v1-not-in-pod.txt');
    await expect(attestor(world).attest(caller(1))).resolves.toEqual([]);
    expect(world.kubelet.requests).toHaveLength(0);
  });

  it('finds the pod by container ID alone for CRI-O’s namespaced cgroup v2 view', async () => {
    world.kubelet.addPod(
      makePod({ name: 'other', namespace: 'web', serviceAccount: 'web', nodeName: 'node-a' }),
    );
    placeProcess(world, 9, 'crio-v2-namespaced.txt');
    expect(values(await attestor(world).attest(caller(9)))).toContain('k8s:ns:payments');
  });

  it('waits for a container that is still starting, then attests it', async () => {
    world.kubelet.pods = [paymentsPod(false)];
    world.kubelet.beforeRespond = () => {
      if (world.kubelet.requests.length === 2) world.kubelet.pods = [paymentsPod()];
    };
    placeProcess(world, 11, 'containerd-v1-systemd.txt');
    expect(values(await attestor(world).attest(caller(11)))).toContain('k8s:container-name:api');
    expect(world.kubelet.requests).toHaveLength(2);
  });

  it('gives up after max_poll_attempts when the container never appears', async () => {
    world.kubelet.pods = [paymentsPod(false)];
    placeProcess(world, 12, 'containerd-v1-systemd.txt');
    await expect(attestor(world).attest(caller(12))).rejects.toThrow(
      new UnavailableError(
        `k8s: no selectors found after 3 poll attempts: container ${CONTAINER_ID} of pod ${POD_UID} is not in the kubelet pod list`,
      ),
    );
    expect(world.kubelet.requests).toHaveLength(3);
  });

  it('with disable_container_selectors, attests a known pod whose container is not ready yet', async () => {
    world.kubelet.pods = [paymentsPod(false)];
    placeProcess(world, 13, 'containerd-v1-systemd.txt');
    const selectors = values(await attestor(world, { disable_container_selectors: true }).attest(caller(13)));
    expect(selectors).toContain('k8s:sa:api');
    expect(selectors.some((s) => s.startsWith('k8s:container-'))).toBe(false);
  });

  it('fails Unavailable when the kubelet is unreachable, after bounded retries', async () => {
    placeProcess(world, 14, 'containerd-v1-systemd.txt');
    const a = attestor(world);
    await world.kubelet.stop();
    const attempt = a.attest(caller(14));
    await expect(attempt).rejects.toThrow(UnavailableError);
    await expect(attempt).rejects.toThrow(
      /k8s: kubelet at https:\/\/127.0.0.1:\d+ unreachable: connect ECONNREFUSED .* \(after 3 attempts\)/,
    );
  });

  it('retries a failing kubelet and succeeds when it recovers', async () => {
    world.kubelet.failNext({ status: 503, body: 'busy' }, 2);
    placeProcess(world, 15, 'containerd-v1-systemd.txt');
    expect(values(await attestor(world).attest(caller(15)))).toContain('k8s:ns:payments');
  });

  it('stops at once when the kubelet refuses the agent’s token', async () => {
    world.kubelet.acceptedTokens.clear();
    placeProcess(world, 16, 'containerd-v1-systemd.txt');
    await expect(attestor(world).attest(caller(16))).rejects.toThrow(PermissionDeniedError);
    expect(world.kubelet.requests).toHaveLength(1);
  });

  it('refuses a kubelet whose certificate is not signed by kubelet_ca_path, unless verification is skipped', async () => {
    const { TestCa } = await import('@lanyard/test-support');
    writeFileSync(world.caPath, TestCa.create({ trustDomain: 'elsewhere.test' }).certificate.pem);
    placeProcess(world, 17, 'containerd-v1-systemd.txt');
    await expect(attestor(world, { max_poll_attempts: 1 }).attest(caller(17))).rejects.toThrow(
      /unreachable: .*(certificate|self.signed|verify)/i,
    );
    const skipping = attestor(world, { skip_kubelet_verification: true, kubelet_ca_path: undefined });
    await expect(skipping.attest(caller(17))).resolves.toContainEqual({ type: 'k8s', value: 'ns:payments' });
  });

  it('authenticates with a client certificate', async () => {
    const cert = world.kubelet.ca.issueCertificate({
      subject: { commonName: 'spire-agent' },
      extKeyUsage: ['clientAuth'],
    });
    writeFileSync(path.join(world.dir, 'client.pem'), cert.pem);
    writeFileSync(
      path.join(world.dir, 'client.key'),
      cert.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    );
    world.kubelet.acceptedTokens.clear();
    placeProcess(world, 18, 'containerd-v1-systemd.txt');
    const a = attestor(world, {
      token_path: undefined,
      certificate_path: path.join(world.dir, 'client.pem'),
      private_key_path: path.join(world.dir, 'client.key'),
    });
    await expect(a.attest(caller(18))).resolves.toContainEqual({ type: 'k8s', value: 'sa:api' });
    expect(world.kubelet.requests[0].clientCertCn).toBe('spire-agent');
  });

  it('refuses two pods that claim the same container', async () => {
    const twin = paymentsPod();
    world.kubelet.addPod({ ...twin, metadata: { ...twin.metadata, name: 'twin' } });
    placeProcess(world, 19, 'crio-v2-namespaced.txt');
    await expect(attestor(world).attest(caller(19))).rejects.toThrow(
      new InternalError(`k8s: two pods found with same container ID ${CONTAINER_ID}`),
    );
  });

  it('refuses a malformed cgroup file', async () => {
    placeProcess(world, 20, 'malformed.txt');
    await expect(attestor(world).attest(caller(20))).rejects.toThrow(
      /malformed cgroup entry in .*20\/cgroup line 2/,
    );
  });

  it('refuses a pid that exited before attestation', async () => {
    await expect(attestor(world).attest(caller(21))).rejects.toThrow(
      new FailedPreconditionError('k8s: process 21 exited before attestation'),
    );
  });

  it('refuses a pid that exits while the kubelet is being asked', async () => {
    placeProcess(world, 22, 'containerd-v1-systemd.txt');
    world.kubelet.beforeRespond = () => rmSync(path.join(world.procRoot, '22'), { recursive: true });
    await expect(attestor(world).attest(caller(22))).rejects.toThrow(
      new FailedPreconditionError('k8s: process 22 exited during attestation'),
    );
  });

  it('refuses a pid reused by another process during attestation', async () => {
    placeProcess(world, 23, 'containerd-v1-systemd.txt');
    world.kubelet.beforeRespond = () =>
      writeFileSync(
        path.join(world.procRoot, '23', 'cgroup'),
        `0::/kubepods/pod${POD_UID}/${OTHER_CONTAINER_ID}\n`,
      );
    await expect(attestor(world).attest(caller(23))).rejects.toThrow(
      /process 23 changed cgroups during attestation/,
    );
  });

  it('shares one kubelet request between concurrent attestations', async () => {
    placeProcess(world, 24, 'containerd-v1-systemd.txt');
    placeProcess(world, 25, 'docker-v1-systemd.txt');
    const a = attestor(world, { poll_retry_interval: '5s' });
    const [one, two] = await Promise.all([a.attest(caller(24)), a.attest(caller(25))]);
    expect(one).toEqual(two);
    expect(world.kubelet.requests).toHaveLength(1);
  });

  it('picks up a rotated token and CA after reload_interval', async () => {
    placeProcess(world, 26, 'containerd-v1-systemd.txt');
    const a = attestor(world, { reload_interval: '1ms', poll_retry_interval: '1ms' });
    await a.attest(caller(26));
    writeFileSync(world.tokenPath, 'rotated-token');
    world.kubelet.acceptedTokens.add('rotated-token');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await a.attest(caller(26));
    expect(world.kubelet.requests.map((r) => r.headers.authorization)).toEqual([
      'Bearer agent-sa-token',
      'Bearer rotated-token',
    ]);
    const { TestCa } = await import('@lanyard/test-support');
    writeFileSync(world.caPath, TestCa.create({ trustDomain: 'rotated.test' }).certificate.pem);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await expect(a.attest(caller(26))).rejects.toThrow(/unreachable/);
  });
});

describe('k8s workload attestor on the read-only port', () => {
  it('reads /pods over plain HTTP without credentials', async () => {
    const ro = await startWorld({ readOnly: true });
    try {
      placeProcess(ro, 30, 'crio-v1-systemd.txt');
      await expect(attestor(ro).attest(caller(30))).resolves.toContainEqual({
        type: 'k8s',
        value: 'ns:payments',
      });
      expect(ro.kubelet.requests[0].headers.authorization).toBeUndefined();
    } finally {
      await ro.stop();
    }
  });
});
