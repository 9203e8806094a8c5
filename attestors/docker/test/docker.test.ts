import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type PluginData, silentLogger, type WorkloadAttestor } from '@lanyard/attestor-core';
import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
} from '@lanyard/base';
import { FakeDockerEngine, fakeImageId } from '@lanyard/test-support';
import { workloadPlugin } from '../src/agent';

const ID = 'a1f3c5e7b9d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c1e3b5d7f9a2c4e6b8d0f1a3';
const OTHER = 'b'.repeat(64);
const IMAGE = 'envoyproxy/envoy:contrib-v1.29.1';

let dir: string;
let procRoot: string;
let engine: FakeDockerEngine;
let socket: string;

function placeProcess(pid: number, cgroup: string): void {
  mkdirSync(path.join(procRoot, String(pid)), { recursive: true });
  writeFileSync(path.join(procRoot, String(pid), 'cgroup'), cgroup);
}

function create(data: PluginData = {}): Promise<WorkloadAttestor> {
  return workloadPlugin.create(
    { docker_socket_path: `unix://${socket}`, ...data },
    { logger: silentLogger, procRoot },
  );
}

function values(selectors: { type: string; value: string }[]): string[] {
  expect(selectors.every((s) => s.type === 'docker')).toBe(true);
  return selectors.map((s) => s.value).sort();
}

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'lanyard-docker-'));
  procRoot = path.join(dir, 'proc');
  socket = path.join(dir, 'docker.sock');
  engine = new FakeDockerEngine();
  engine.addContainer({
    id: ID,
    image: IMAGE,
    labels: { 'com.example.name': 'foo', 'com.example.cluster': 'prod' },
    env: ['ENVIRONMENT=prod', 'PATH=/usr/bin:/bin'],
  });
  await engine.startOnSocket(socket);
});

afterEach(async () => {
  await engine.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('docker workload attestor', () => {
  const expected = [
    'env:ENVIRONMENT=prod',
    'env:PATH=/usr/bin:/bin',
    `image_config_digest:${fakeImageId(IMAGE)}`,
    `image_id:${IMAGE}`,
    'label:com.example.cluster:prod',
    'label:com.example.name:foo',
  ];

  it('returns label, env, image_id and image_config_digest selectors for a cgroup v1 docker container', async () => {
    placeProcess(10, `12:pids:/docker/${ID}\n1:name=systemd:/docker/${ID}\n0::/\n`);
    const attestor = await create();
    expect(values(await attestor.attest({ pid: 10, uid: 0, gid: 0 }))).toEqual(expected);
    expect(engine.requests.map((r) => r.path)).toEqual([
      `/containers/${ID}/json`,
      `/images/${encodeURIComponent(IMAGE)}/json`,
    ]);
  });

  it('locates the container in a cgroup v2 systemd scope and uses docker_version as the API prefix', async () => {
    placeProcess(11, `0::/system.slice/docker-${ID}.scope\n`);
    const attestor = await create({ docker_version: '1.41' });
    expect(values(await attestor.attest({ pid: 11, uid: 0, gid: 0 }))).toEqual(expected);
    expect(engine.versionsSeen).toEqual(['1.41', '1.41']);
  });

  it('returns no selectors and asks nothing for a process outside any container', async () => {
    placeProcess(12, '0::/user.slice/user-1000.slice/session-3.scope\n');
    expect(await (await create()).attest({ pid: 12, uid: 1000, gid: 1000 })).toEqual([]);
    expect(engine.requests).toEqual([]);
  });

  it('refuses cgroups naming two containers and a pid that exited', async () => {
    placeProcess(13, `1:cpu:/docker/${ID}\n0::/docker/${OTHER}\n`);
    const attestor = await create();
    await expect(attestor.attest({ pid: 13, uid: 0, gid: 0 })).rejects.toThrow(
      new FailedPreconditionError(
        `docker: multiple container IDs found in ${procRoot}/13/cgroup (${ID}, ${OTHER})`,
      ),
    );
    await expect(attestor.attest({ pid: 99, uid: 0, gid: 0 })).rejects.toThrow(
      new FailedPreconditionError('docker: process 99 exited before attestation'),
    );
  });

  it('reports an unknown container after retrying, and an unreachable engine', async () => {
    placeProcess(14, `0::/docker/${OTHER}\n`);
    const attestor = await create();
    const error = await attestor.attest({ pid: 14, uid: 0, gid: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toContain(`No such container: ${OTHER}`);
    expect(engine.requests).toHaveLength(4);
    await engine.stop();
    placeProcess(15, `0::/docker/${ID}\n`);
    await expect(attestor.attest({ pid: 15, uid: 0, gid: 0 })).rejects.toBeInstanceOf(UnavailableError);
  });

  it('uses container_id_cgroup_matchers with the legacy locator', async () => {
    placeProcess(16, `0::/my.slice/runner/${ID}/task\n`);
    const attestor = await create({
      use_new_container_locator: false,
      container_id_cgroup_matchers: ['/docker/<id>', '/my.slice/*/<id>/*'],
    });
    expect(values(await attestor.attest({ pid: 16, uid: 0, gid: 0 }))).toEqual(expected);
    placeProcess(17, `0::/docker/${ID}/extra\n`);
    expect(await attestor.attest({ pid: 17, uid: 0, gid: 0 })).toEqual([]);
  });

  it('asks the rootless Podman socket of the user a libpod container belongs to', async () => {
    const podman = new FakeDockerEngine();
    podman.addContainer({ id: OTHER, image: 'quay.io/app:1', labels: { owner: 'alice' } });
    mkdirSync(path.join(dir, 'user', '1000'), { recursive: true });
    await podman.startOnSocket(path.join(dir, 'user', '1000', 'podman.sock'));
    try {
      placeProcess(18, `0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${OTHER}.scope\n`);
      const attestor = await create({ podman_socket_path_template: `unix://${dir}/user/%d/podman.sock` });
      expect(values(await attestor.attest({ pid: 18, uid: 1000, gid: 1000 }))).toEqual([
        `image_config_digest:${fakeImageId('quay.io/app:1')}`,
        'image_id:quay.io/app:1',
        'label:owner:alice',
      ]);
      expect(engine.requests).toEqual([]);
    } finally {
      await podman.stop();
    }
  });

  it.each<[PluginData, string]>([
    [{ container_id_cgroup_matchers: ['/docker/<id>'] }, 'set use_new_container_locator = false'],
    [
      { use_new_container_locator: false, container_id_cgroup_matchers: ['/a/b/<id>', '/*/b/<id>'] },
      'patterns must not be ambiguous: "/a/b/<id>", "/*/b/<id>"',
    ],
    [{ use_new_container_locator: false, container_id_cgroup_matchers: ['/docker/*'] }, 'exactly once'],
    [{ docker_socket_path: 'tcp://127.0.0.1:2375' }, 'docker_socket_path must be a unix:// URL'],
    [{ docker_version: 'latest' }, 'docker_version must be an API version'],
    [{ podman_socket_path_template: 'unix:///run/podman.sock' }, 'exactly one %d UID placeholder'],
    [{ docker_host: 'npipe:////./pipe/docker_engine' }, 'docker_host is Windows-only'],
    [{ sigstore: {} }, 'does not verify image signatures with Sigstore'],
    [
      { proc_root: '/host/proc' },
      'unknown configuration detected: section "docker plugin_data": keys proc_root',
    ],
  ])('refuses plugin_data %j', async (data, message) => {
    const error = await create(data).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toContain(message);
  });
});
