import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type PluginData, silentLogger, type WorkloadAttestor } from '@lanyard/attestor-core';
import { FailedPreconditionError, InvalidArgumentError, UnavailableError } from '@lanyard/base';
import { workloadPlugin } from '../src/agent';

let dir: string;
let procRoot: string;
let systemctl: string;
let argsLog: string;

/**
 * A stand-in for `systemctl show`: answers in systemctl's `Key=Value` format for the units it knows, and fails like
 * systemctl for the others. It logs its arguments so tests can check the call.
 */
function writeFakeSystemctl(): void {
  writeFileSync(
    systemctl,
    `#!/bin/sh
echo "$@" >> "${argsLog}"
unit="$7"
case "$unit" in
  nginx.service) printf 'Id=nginx.service\\nFragmentPath=/lib/systemd/system/nginx.service\\n' ;;
  user@1000.service) printf 'FragmentPath=/lib/systemd/system/user@.service\\nId=user@1000.service\\n' ;;
  session-3.scope) printf 'Id=session-3.scope\\nFragmentPath=\\n' ;;
  *) echo "Failed to get properties: Unit $unit not loaded." >&2; exit 1 ;;
esac
`,
    { mode: 0o700 },
  );
}

function placeProcess(pid: number, cgroup: string): void {
  mkdirSync(path.join(procRoot, String(pid)), { recursive: true });
  writeFileSync(path.join(procRoot, String(pid), 'cgroup'), cgroup);
}

function create(data: PluginData = { systemctl_path: systemctl }): Promise<WorkloadAttestor> {
  return workloadPlugin.create(data, { logger: silentLogger, procRoot });
}

const attest = async (pid: number) =>
  (await (await create()).attest({ pid, uid: 0, gid: 0 })).map((s) => `${s.type}:${s.value}`);

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'lanyard-systemd-'));
  procRoot = path.join(dir, 'proc');
  systemctl = path.join(dir, 'systemctl');
  argsLog = path.join(dir, 'args.log');
  writeFakeSystemctl();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('systemd workload attestor', () => {
  it('returns systemd:id and systemd:fragment_path of a service (cgroup v2)', async () => {
    placeProcess(10, '0::/system.slice/nginx.service\n');
    expect(await attest(10)).toEqual([
      'systemd:id:nginx.service',
      'systemd:fragment_path:/lib/systemd/system/nginx.service',
    ]);
    expect(readFileSync(argsLog, 'utf8')).toBe('show -p Id -p FragmentPath -- nginx.service\n');
  });

  it('reads the name=systemd hierarchy on cgroup v1 and names the system manager’s unit of user services', async () => {
    placeProcess(
      11,
      '5:memory:/user.slice\n1:name=systemd:/user.slice/user-1000.slice/user@1000.service/app.slice/x.service\n',
    );
    expect(await attest(11)).toEqual([
      'systemd:id:user@1000.service',
      'systemd:fragment_path:/lib/systemd/system/user@.service',
    ]);
  });

  it('omits fragment_path for a transient unit and returns nothing outside any unit', async () => {
    placeProcess(12, '0::/user.slice/user-1000.slice/session-3.scope\n');
    expect(await attest(12)).toEqual(['systemd:id:session-3.scope']);
    placeProcess(13, '0::/\n');
    placeProcess(14, '0::/system.slice\n');
    expect(await attest(13)).toEqual([]);
    expect(await attest(14)).toEqual([]);
  });

  it('reports a unit systemctl does not know, a missing systemctl and an exited process', async () => {
    placeProcess(15, '0::/system.slice/ghost.service\n');
    await expect(attest(15)).rejects.toThrow(
      new UnavailableError(
        'systemd: failed to get unit ghost.service: Failed to get properties: Unit ghost.service not loaded.',
      ),
    );
    const missing = await create({ systemctl_path: path.join(dir, 'nope') });
    placeProcess(16, '0::/system.slice/nginx.service\n');
    await expect(missing.attest({ pid: 16, uid: 0, gid: 0 })).rejects.toBeInstanceOf(UnavailableError);
    await expect(attest(99)).rejects.toThrow(
      new FailedPreconditionError('systemd: process 99 exited before attestation'),
    );
  });

  it('takes no plugin_data besides systemctl_path', async () => {
    const error = await create({ unit: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toContain(
      'unknown configuration detected: section "systemd plugin_data": keys unit',
    );
    await expect(create({})).resolves.toBeDefined();
  });
});
