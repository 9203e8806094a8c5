import {
  decodePluginData,
  field,
  parseCgroupEntries,
  type PluginData,
  procCgroupFile,
  readProcCgroup,
  type Selector,
  type WorkloadAttestor,
  type WorkloadCaller,
} from '@lanyard/attestor-core';
import { showUnit } from './systemctl';
import { SYSTEMD_PLUGIN_NAME, systemdSelector } from './shared';
import { unitOfCgroups } from './unit';

/** Parsed `plugin_data`: SPIRE's plugin takes none; Lanyard adds where systemctl is. */
export interface SystemdWorkloadConfig {
  /** `systemctl_path` (Lanyard): the systemctl binary, `systemctl` on PATH by default. */
  readonly systemctlPath: string;
}

/**
 * Reads and validates `plugin_data`.
 * @throws InvalidArgumentError for unknown keys or wrong types.
 */
export function parseSystemdConfig(data: PluginData): SystemdWorkloadConfig {
  const d = decodePluginData(SYSTEMD_PLUGIN_NAME, data, { systemctl_path: field.string({ nonEmpty: true }) });
  return { systemctlPath: d.systemctl_path ?? 'systemctl' };
}

/**
 * The `systemd` workload attestor: pid → unit from `<procRoot>/<pid>/cgroup` → `Id` and `FragmentPath` from the
 * system manager (through systemctl) → `systemd:id:<unit>` and `systemd:fragment_path:<path>`. A process in no
 * unit yields `[]`.
 */
export class SystemdWorkloadAttestor implements WorkloadAttestor {
  readonly name = SYSTEMD_PLUGIN_NAME;

  constructor(
    private readonly config: SystemdWorkloadConfig,
    private readonly procRoot: string,
  ) {}

  /** The caller's unit selectors; `[]` outside any unit. */
  async attest(caller: WorkloadCaller): Promise<Selector[]> {
    const text = await readProcCgroup(this.procRoot, caller.pid, SYSTEMD_PLUGIN_NAME);
    const unit = unitOfCgroups(
      parseCgroupEntries(text, procCgroupFile(this.procRoot, caller.pid), SYSTEMD_PLUGIN_NAME),
    );
    if (unit === undefined) return [];
    const properties = await showUnit(this.config.systemctlPath, unit);
    const selectors = [systemdSelector('id', properties.id)];
    if (properties.fragmentPath !== '')
      selectors.push(systemdSelector('fragment_path', properties.fragmentPath));
    return selectors;
  }
}
