import { decodePluginData, field, type PluginData } from '@lanyard/attestor-core';
import { InvalidArgumentError } from '@lanyard/base';
import { cgroupMatchers, type ContainerIdFinder, locateContainerId } from './container-locator';
import { DOCKER_PLUGIN_NAME } from './shared';

/** Parsed `plugin_data` of the `docker` workload attestor. */
export interface DockerWorkloadConfig {
  /** Filesystem path of the Docker Engine socket (`docker_socket_path` without `unix://`). */
  readonly dockerSocketPath: string;
  /** Filesystem path of the rootful Podman socket. */
  readonly podmanSocketPath: string;
  /** Rootless Podman socket path with one `%d` for the user's uid (`%%` is a literal `%`). */
  readonly podmanSocketPathTemplate: string;
  /** Engine API version as a path prefix (`1.41` → `/v1.41`); unversioned paths when unset. */
  readonly dockerVersion?: string;
  /** How container IDs are read from cgroup paths. */
  readonly findContainerId: ContainerIdFinder;
  readonly verboseContainerLocatorLogs: boolean;
}

const DOCKER_PLUGIN_DATA = {
  docker_socket_path: field.string({ nonEmpty: true }),
  podman_socket_path: field.string({ nonEmpty: true }),
  podman_socket_path_template: field.string({ nonEmpty: true }),
  docker_version: field.string(),
  container_id_cgroup_matchers: field.stringList(),
  use_new_container_locator: field.bool(),
  verbose_container_locator_logs: field.bool(),
  docker_host: field.raw(),
  sigstore: field.raw(),
  experimental: field.raw(),
};

function fail(key: string, problem: string): never {
  throw new InvalidArgumentError(`${DOCKER_PLUGIN_NAME}: plugin_data.${key} ${problem}`, 'ERR_PLUGIN_CONFIG');
}

/** `unix:///var/run/docker.sock` → `/var/run/docker.sock`; other schemes are refused. */
function socketPath(key: string, value: string): string {
  if (value.startsWith('unix://')) {
    const path = value.slice('unix://'.length);
    if (path.startsWith('/')) return path;
  }
  return fail(key, `must be a unix:// URL with an absolute path (got "${value}")`);
}

function checkTemplate(template: string): void {
  const placeholders = template.replace(/%%/g, '').match(/%./g) ?? [];
  if (/%$/.test(template.replace(/%%/g, ''))) fail('podman_socket_path_template', 'has a trailing %');
  if (placeholders.some((p) => p !== '%d')) {
    fail('podman_socket_path_template', 'only supports escaped %% or the %d UID placeholder');
  }
  if (placeholders.length !== 1) {
    fail('podman_socket_path_template', 'must contain exactly one %d UID placeholder');
  }
}

function finderOf(matchers: readonly string[] | undefined, useNewLocator: boolean): ContainerIdFinder {
  if (matchers === undefined || matchers.length === 0) return locateContainerId;
  if (useNewLocator) {
    fail(
      'container_id_cgroup_matchers',
      'cannot be used with the new container locator; set use_new_container_locator = false to use custom matchers',
    );
  }
  return cgroupMatchers(matchers);
}

/**
 * Reads and validates `plugin_data` (SPIRE's keys). `docker_host` (Windows named pipes), `sigstore` and
 * `experimental` (image signature verification) are refused with the reason.
 * @throws InvalidArgumentError naming the key.
 */
export function parseDockerConfig(data: PluginData): DockerWorkloadConfig {
  const d = decodePluginData(DOCKER_PLUGIN_NAME, data, DOCKER_PLUGIN_DATA);
  if (d.docker_host !== undefined) {
    fail('docker_host', 'is Windows-only (named pipes); on Unix use docker_socket_path');
  }
  for (const key of ['sigstore', 'experimental'] as const) {
    if (d[key] !== undefined) {
      fail(key, 'is not supported: Lanyard does not verify image signatures with Sigstore');
    }
  }
  if (d.docker_version !== undefined && !/^\d+\.\d+$/.test(d.docker_version)) {
    fail('docker_version', `must be an API version such as "1.41" (got "${d.docker_version}")`);
  }
  const template = d.podman_socket_path_template ?? 'unix:///run/user/%d/podman/podman.sock';
  checkTemplate(template);
  return {
    dockerSocketPath: socketPath('docker_socket_path', d.docker_socket_path ?? 'unix:///var/run/docker.sock'),
    podmanSocketPath: socketPath(
      'podman_socket_path',
      d.podman_socket_path ?? 'unix:///run/podman/podman.sock',
    ),
    podmanSocketPathTemplate: socketPath('podman_socket_path_template', template),
    dockerVersion: d.docker_version === '' ? undefined : d.docker_version,
    findContainerId: finderOf(d.container_id_cgroup_matchers, d.use_new_container_locator ?? true),
    verboseContainerLocatorLogs: d.verbose_container_locator_logs ?? false,
  };
}

/** The Podman socket for a container cgroup path, or undefined for a Docker container (SPIRE's detection). */
export function podmanSocketFor(
  config: DockerWorkloadConfig,
  cgroupPaths: readonly string[],
): string | undefined {
  const podman = cgroupPaths.find((p) => /(?:libpod-|\/libpod\/)/.test(p));
  if (podman === undefined) return undefined;
  const uid = /\/user-(\d+)\.slice\//.exec(podman)?.[1];
  if (uid === undefined) return config.podmanSocketPath;
  return config.podmanSocketPathTemplate.replace(/%%|%d/g, (m) => (m === '%d' ? uid : '%'));
}
