/**
 * @lanyard/attestor-systemd: the `systemd` workload attestor. It maps a caller's pid to its systemd unit through
 * `/proc/<pid>/cgroup` and returns SPIRE's `systemd:id` and `systemd:fragment_path` selectors. The agent imports
 * `@lanyard/attestor-systemd/agent`.
 */
export * from './agent';
export * from './systemctl';
export * from './unit';
