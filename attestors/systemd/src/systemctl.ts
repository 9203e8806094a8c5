import { execFile } from 'node:child_process';
import { UnavailableError } from '@lanyard/base';
import { SYSTEMD_PLUGIN_NAME } from './shared';

/** The unit properties SPIRE reads over D-Bus: its primary name and the unit file it was loaded from. */
export interface UnitProperties {
  /** `Id`, e.g. `nginx.service`. */
  readonly id: string;
  /** `FragmentPath`, e.g. `/lib/systemd/system/nginx.service`; empty for transient units. */
  readonly fragmentPath: string;
}

const TIMEOUT_MS = 10_000;
const MAX_OUTPUT_BYTES = 64 * 1024;

/** Parses `Key=Value` lines of `systemctl show`. */
export function parseShowOutput(output: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of output.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) values.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return values;
}

/**
 * Reads `Id` and `FragmentPath` of `unit` with `<systemctl> show -p Id -p FragmentPath -- <unit>`; systemctl
 * asks the system manager over its D-Bus socket.
 * @throws UnavailableError when systemctl cannot be run, fails, or does not report the unit.
 */
export function showUnit(systemctl: string, unit: string): Promise<UnitProperties> {
  return new Promise((resolve, reject) => {
    execFile(
      systemctl,
      ['show', '-p', 'Id', '-p', 'FragmentPath', '--', unit],
      {
        timeout: TIMEOUT_MS,
        maxBuffer: MAX_OUTPUT_BYTES,
        env: { ...process.env, SYSTEMD_PAGER: '', LC_ALL: 'C' },
      },
      (error, stdout, stderr) => {
        if (error) {
          const detail = String(stderr).trim() || error.message;
          reject(
            new UnavailableError(
              `${SYSTEMD_PLUGIN_NAME}: failed to get unit ${unit}: ${detail}`,
              'ERR_SYSTEMD_UNIT',
            ),
          );
          return;
        }
        const values = parseShowOutput(String(stdout));
        const id = values.get('Id');
        if (!id) {
          reject(
            new UnavailableError(
              `${SYSTEMD_PLUGIN_NAME}: systemctl did not report unit ${unit}`,
              'ERR_SYSTEMD_UNIT',
            ),
          );
          return;
        }
        resolve({ id, fragmentPath: values.get('FragmentPath') ?? '' });
      },
    );
  });
}
