import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { InternalError } from '@lanyard/base';
import { locationFromCgroupPath, parseCgroupFile } from '../src';
import { CONTAINER_ID, FIXTURES, POD_UID } from './helpers';

function parseFixture(name: string) {
  return parseCgroupFile(readFileSync(path.join(FIXTURES, name), 'utf8'), `/proc/123/cgroup`);
}

describe('cgroup container locator', () => {
  it.each([
    'containerd-v1-cgroupfs.txt',
    'containerd-v1-systemd.txt',
    'containerd-v2-systemd.txt',
    'containerd-v2-guaranteed.txt',
    'crio-v1-systemd.txt',
    'crio-v2-systemd.txt',
    'docker-v1-cgroupfs.txt',
    'docker-v1-systemd.txt',
    'docker-v2-systemd.txt',
    'kind-v1-nested.txt',
  ])('finds pod UID and container ID in %s', (fixture) => {
    expect(parseFixture(fixture)).toEqual({ podUid: POD_UID, containerId: CONTAINER_ID });
  });

  it('finds only the container ID in CRI-O’s namespaced cgroup v2 view', () => {
    expect(parseFixture('crio-v2-namespaced.txt')).toEqual({ containerId: CONTAINER_ID });
  });

  it.each(['host-v1-not-in-pod.txt', 'host-v2-not-in-pod.txt', 'pod-sandbox-v2.txt'])(
    'reports no container for %s',
    (fixture) => {
      expect(parseFixture(fixture)).toBeUndefined();
    },
  );

  it('refuses malformed lines, naming file and line', () => {
    expect(() => parseFixture('malformed.txt')).toThrow(
      new InternalError(
        'k8s: malformed cgroup entry in /proc/123/cgroup line 2: expected "hierarchy-id:controllers:path"',
      ),
    );
    expect(() => parseCgroupFile('x:pids:/a\n', 'f')).toThrow(/line 1/);
  });

  it('refuses lines that disagree on the container', () => {
    expect(() => parseFixture('conflicting-containers.txt')).toThrow(
      /multiple container IDs found in \/proc\/123\/cgroup/,
    );
  });

  it('ignores paths that only look like pods or containers', () => {
    expect(locationFromCgroupPath(`/kubepods/pod${POD_UID}/${CONTAINER_ID.slice(0, 63)}`)).toBeUndefined();
    expect(locationFromCgroupPath(`/kubepods/podnot-a-uid/${CONTAINER_ID}`)).toBeUndefined();
    expect(locationFromCgroupPath(`/system.slice/docker-${CONTAINER_ID}.scope`)).toBeUndefined();
  });
});
