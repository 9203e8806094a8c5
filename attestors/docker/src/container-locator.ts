import type { CgroupEntry } from '@lanyard/attestor-core';
import { FailedPreconditionError, InvalidArgumentError } from '@lanyard/base';
import { DOCKER_PLUGIN_NAME } from './shared';

/** Finds a container ID in one cgroup path; undefined when the path is not a container's. */
export type ContainerIdFinder = (cgroupPath: string) => string | undefined;

const CONTAINER_ID = /(?:^|[^0-9A-Za-z_])([0-9a-fA-F]{64})(?![0-9A-Za-z_])/;

/**
 * SPIRE's container locator over cgroup paths: walks the path's segments from the last one back and returns the
 * first 64-hex-digit word found (`/docker/<id>`, `/system.slice/docker-<id>.scope`, `…/libpod-<id>.scope`,
 * `/kubepods/…/cri-containerd-<id>.scope`).
 */
export const locateContainerId: ContainerIdFinder = (cgroupPath) => {
  const segments = cgroupPath.split('/');
  for (let i = segments.length - 1; i >= 0; i--) {
    const match = CONTAINER_ID.exec(segments[i]);
    if (match) return match[1];
  }
  return undefined;
};

const WILDCARD = '*';
const ID_TOKEN = '<id>';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function equivalentPatterns(a: string, b: string): boolean {
  const as = a.split('/');
  const bs = b.split('/');
  if (as.length !== bs.length) return false;
  return as.every((part, i) => {
    const other = bs[i];
    return part === other || [part, other].some((p) => p === WILDCARD || p === ID_TOKEN);
  });
}

function compileMatcher(pattern: string): RegExp {
  const parts = pattern.split('/');
  if (parts.filter((p) => p === ID_TOKEN).length !== 1) {
    throw new InvalidArgumentError(
      `docker: plugin_data.container_id_cgroup_matchers pattern "${pattern}" must contain the container id token "<id>" exactly once`,
      'ERR_PLUGIN_CONFIG',
    );
  }
  const source = parts
    .map((p) => (p === WILDCARD ? '[^/]*' : p === ID_TOKEN ? '([^/]*)' : escapeRegExp(p)))
    .join('/');
  return new RegExp(`^${source}$`);
}

/**
 * The legacy locator of `container_id_cgroup_matchers`: `/`-separated patterns where `*` matches one segment and
 * `<id>` captures the container ID (`/docker/<id>`, `/my.slice/*\/<id>/*`). Patterns that could match the same
 * path are refused, as SPIRE does.
 * @throws InvalidArgumentError naming the patterns that are ambiguous or lack `<id>`.
 */
export function cgroupMatchers(patterns: readonly string[]): ContainerIdFinder {
  const ambiguous = new Set<string>();
  patterns.forEach((a, i) =>
    patterns.slice(i + 1).forEach((b) => {
      if (a === b || equivalentPatterns(a, b)) [a, b].forEach((p) => ambiguous.add(p));
    }),
  );
  if (ambiguous.size > 0) {
    throw new InvalidArgumentError(
      `docker: plugin_data.container_id_cgroup_matchers patterns must not be ambiguous: ${[...ambiguous].map((p) => `"${p}"`).join(', ')}`,
      'ERR_PLUGIN_CONFIG',
    );
  }
  const matchers = patterns.map(compileMatcher);
  return (cgroupPath) => {
    for (const matcher of matchers) {
      const match = matcher.exec(cgroupPath);
      if (match) return match[1];
    }
    return undefined;
  };
}

/**
 * The one container ID the cgroup entries of a process name, or undefined when none names a container.
 * @throws FailedPreconditionError when entries name different containers, or a matcher captured an empty ID.
 */
export function containerIdOf(
  entries: readonly CgroupEntry[],
  find: ContainerIdFinder,
  file: string,
): string | undefined {
  let found: string | undefined;
  for (const entry of entries) {
    const candidate = find(entry.path);
    if (candidate === undefined) continue;
    if (candidate === '') {
      throw new FailedPreconditionError(
        `${DOCKER_PLUGIN_NAME}: a pattern matched ${entry.path} in ${file}, but no container id was found`,
        'ERR_DOCKER_CGROUP',
      );
    }
    if (found !== undefined && found !== candidate) {
      throw new FailedPreconditionError(
        `${DOCKER_PLUGIN_NAME}: multiple container IDs found in ${file} (${found}, ${candidate})`,
        'ERR_DOCKER_CGROUP',
      );
    }
    found = candidate;
  }
  return found;
}
