import type { CgroupEntry } from '@lanyard/attestor-core';

/** The systemd cgroup path of a process: the cgroup v2 line, else the v1 `name=systemd` hierarchy. */
function systemdCgroupPath(entries: readonly CgroupEntry[]): string | undefined {
  const unified = entries.find((e) => e.hierarchyId === 0 && e.controllers === '');
  const named = entries.find((e) => e.controllers.split(',').includes('name=systemd'));
  return (named ?? unified)?.path;
}

/**
 * The system manager's unit a process belongs to, read from its cgroup path as `sd_pid_get_unit` does: the first
 * path segment that is not a `.slice` (`/system.slice/nginx.service` → `nginx.service`,
 * `/user.slice/user-1000.slice/user@1000.service/app.slice/x.service` → `user@1000.service`). Undefined when the
 * process sits in a slice or the root cgroup only.
 */
export function unitOfCgroups(entries: readonly CgroupEntry[]): string | undefined {
  const cgroupPath = systemdCgroupPath(entries);
  if (cgroupPath === undefined) return undefined;
  const unit = cgroupPath.split('/').find((segment) => segment !== '' && !segment.endsWith('.slice'));
  return unit !== undefined && /^[^/]+\.[a-z]+$/.test(unit) ? unit : undefined;
}
