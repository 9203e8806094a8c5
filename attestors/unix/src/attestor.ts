import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Selector, WorkloadAttestor, WorkloadCaller } from '@lanyard/attestor-core';
import { InternalError } from '@lanyard/base';
import { PLUGIN_NAME, type UnixAttestorConfig } from './config';
import { sha256File } from './digest';
import { NameDatabase } from './name-db';
import { effectiveId, readProcessIds } from './proc';

/** Where the attestor reads process data and names from; tests point these at other places. */
export interface UnixAttestorPaths {
  /** Root of the proc filesystem; default `/proc`. */
  readonly procRoot?: string;
  /** Default `/etc/passwd`. */
  readonly passwdFile?: string;
  /** Default `/etc/group`. */
  readonly groupFile?: string;
}

/**
 * The `unix` workload attestor (SPIRE-COMPAT §7.1): selectors from the caller's effective uid/gid, their
 * names, its supplementary groups, and with `discover_workload_path` its executable path and SHA-256.
 */
export class UnixWorkloadAttestor implements WorkloadAttestor {
  readonly name = PLUGIN_NAME;
  private readonly procRoot: string;
  private readonly users: NameDatabase;
  private readonly groups: NameDatabase;

  constructor(
    private readonly config: UnixAttestorConfig,
    paths: UnixAttestorPaths = {},
  ) {
    this.procRoot = paths.procRoot ?? '/proc';
    this.users = new NameDatabase(paths.passwdFile ?? '/etc/passwd');
    this.groups = new NameDatabase(paths.groupFile ?? '/etc/group');
  }

  /**
   * @throws InternalError when the process is gone, its status is unreadable, or path/digest lookup fails.
   */
  async attest(caller: WorkloadCaller): Promise<Selector[]> {
    const ids = readProcessIds(this.procRoot, caller.pid);
    // One freshness check of each name file per attestation, not one per looked-up id.
    this.users.refresh();
    this.groups.refresh();
    const values: string[] = [];
    const uid = effectiveId(ids.uids, 'UID');
    values.push(`uid:${uid}`);
    const user = this.users.lookup(uid);
    if (user !== undefined) values.push(`user:${user}`);
    const gid = effectiveId(ids.gids, 'GID');
    values.push(`gid:${gid}`);
    const group = this.groups.lookup(gid);
    if (group !== undefined) values.push(`group:${group}`);
    for (const sgid of ids.groups) {
      values.push(`supplementary_gid:${sgid}`);
      const name = this.groups.lookup(sgid);
      if (name !== undefined) values.push(`supplementary_group:${name}`);
    }
    if (this.config.discoverWorkloadPath) values.push(...(await this.pathSelectors(caller.pid)));
    return values.map((value) => ({ type: PLUGIN_NAME, value }));
  }

  private async pathSelectors(pid: number): Promise<string[]> {
    const exeLink = path.join(this.procRoot, String(pid), 'exe');
    let exePath: string;
    try {
      exePath = await fs.promises.readlink(exeLink);
    } catch (err) {
      throw new InternalError(`path lookup: ${(err as Error).message}`, 'ERR_WORKLOAD_PATH');
    }
    const values = [`path:${exePath}`];
    if (this.config.workloadSizeLimit >= 0) {
      values.push(`sha256:${await sha256File(exeLink, this.config.workloadSizeLimit)}`);
    }
    return values;
  }
}
