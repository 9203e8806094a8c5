import { parseCgroupEntries } from '@lanyard/attestor-core';
import { InternalError } from '@lanyard/base';
import { K8S_PLUGIN_NAME } from './shared';

/** Where a process sits in Kubernetes, as its cgroup paths tell. */
export interface ContainerLocation {
  /** Pod UID in canonical dashed form; undefined when the path names only the container (CRI-O on cgroup v2). */
  readonly podUid?: string;
  /** 64 hex digits. */
  readonly containerId: string;
}

const HEX_UID = '[0-9a-f]{8}[-_]?[0-9a-f]{4}[-_]?[0-9a-f]{4}[-_]?[0-9a-f]{4}[-_]?[0-9a-f]{12}';
/** `…pod<uid>/<id>` (cgroupfs) and `…-pod<uid_with_underscores>.slice/<runtime>-<id>.scope` (systemd). */
const POD_PATH = new RegExp(
  `[/_.-]pod(${HEX_UID})(?:\\.slice)?/(?:[^/]*/)*?(?:[a-z-]+[-:])?([0-9a-f]{64})(?:\\.scope)?$`,
);
/** `crio-<id>.scope` / `crio-<id>` without a pod segment (CRI-O's cgroup v2 view from inside the namespace). */
const CRIO_ONLY = new RegExp(`(?:^|/)crio-([0-9a-f]{64})(?:\\.scope)?$`);

function canonicalUid(uid: string): string {
  const hex = uid.replace(/[-_]/g, '');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Pod UID and container ID from one cgroup path, or undefined when the path is not a pod container's. */
export function locationFromCgroupPath(cgroupPath: string): ContainerLocation | undefined {
  const pod = POD_PATH.exec(cgroupPath);
  if (pod) return { podUid: canonicalUid(pod[1]), containerId: pod[2] };
  if (/[/_.-]pod[0-9a-f]{8}/.test(cgroupPath)) return undefined;
  const crio = CRIO_ONLY.exec(cgroupPath);
  return crio ? { containerId: crio[1] } : undefined;
}

/**
 * Parses `/proc/<pid>/cgroup` (cgroup v1 `id:controllers:path` lines and the v2 `0::path` line) and returns the
 * pod container the process runs in, or undefined when it is not in a pod container.
 * @throws InternalError naming the file and line for malformed lines, or when lines disagree on pod or container.
 */
export function parseCgroupFile(text: string, file: string): ContainerLocation | undefined {
  let found: ContainerLocation | undefined;
  for (const entry of parseCgroupEntries(text, file, K8S_PLUGIN_NAME)) {
    const candidate = locationFromCgroupPath(entry.path);
    if (!candidate) continue;
    if (!found) {
      found = candidate;
    } else if (found.containerId !== candidate.containerId) {
      throw new InternalError(
        `k8s: multiple container IDs found in ${file} (${found.containerId}, ${candidate.containerId})`,
        'ERR_K8S_CGROUP',
      );
    } else if (found.podUid !== candidate.podUid) {
      throw new InternalError(
        `k8s: multiple pod UIDs found in ${file} (${found.podUid ?? 'none'}, ${candidate.podUid ?? 'none'})`,
        'ERR_K8S_CGROUP',
      );
    }
  }
  return found;
}
