/** The workload a delegate asks about: pre-attested selectors, or a pid the agent attests itself. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Selector } from '@lanyard/attestor-core';
import { InvalidArgumentError, UnavailableError } from '@lanyard/base';
import type { Selector__Output } from '@lanyard/proto';
import { readProcessStartTime, type WorkloadAttestation } from '../../workload';

/** The fields of a delegated request that name the workload. */
export interface DelegatedTarget {
  readonly selectors: readonly Selector__Output[];
  readonly pid: number;
}

/**
 * Checks that exactly one of `selectors` and `pid` is given (pid 0 counts as absent, as in SPIRE).
 * @throws InvalidArgumentError `must provide either selectors or non-zero PID, but not both`.
 */
export function checkTarget(target: DelegatedTarget): void {
  if (target.selectors.length > 0 === (target.pid !== 0)) {
    throw new InvalidArgumentError(
      'must provide either selectors or non-zero PID, but not both',
      'ERR_DELEGATED_TARGET',
    );
  }
}

/**
 * Wire selectors as the delegate attested them.
 * @throws InvalidArgumentError `could not parse provided selectors: …` naming the bad selector.
 */
export function selectorsFromRequest(selectors: readonly Selector__Output[]): Selector[] {
  return selectors.map((s, i) => {
    const problem =
      s.type === ''
        ? 'missing selector type'
        : s.type.includes(':')
          ? 'selector type contains ":"'
          : s.value === ''
            ? 'missing selector value'
            : undefined;
    if (problem !== undefined) {
      throw new InvalidArgumentError(
        `could not parse provided selectors: selectors[${i}]: ${problem}`,
        'ERR_SELECTORS',
      );
    }
    return { type: s.type, value: s.value };
  });
}

/** Effective uid and gid of a process from `/proc/<pid>/status`, or undefined when it is gone. */
function processIds(pid: number, procRoot: string): { uid: number; gid: number } | undefined {
  let status: string;
  try {
    status = fs.readFileSync(path.join(procRoot, String(pid), 'status'), 'latin1');
  } catch {
    return undefined;
  }
  const effective = (key: string): number | undefined => {
    const fields = new RegExp(`^${key}:\\s+(.*)$`, 'm').exec(status)?.[1].trim().split(/\s+/);
    const value = fields?.[1] ?? fields?.[0];
    return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
  };
  const uid = effective('Uid');
  const gid = effective('Gid');
  return uid === undefined || gid === undefined ? undefined : { uid, gid };
}

/**
 * Attests a process named by pid with the configured workload attestors, checking afterwards that the pid still
 * names the same process (its start time is unchanged). As in SPIRE, the delegate remains responsible for the
 * pid staying valid while it uses the answer.
 * @throws UnavailableError `workload attestation failed` when the process does not exist or attestation fails.
 */
export async function attestPid(
  pid: number,
  attestation: WorkloadAttestation,
  procRoot: string,
): Promise<Selector[]> {
  const ids = pid > 0 ? processIds(pid, procRoot) : undefined;
  const startTime = pid > 0 ? readProcessStartTime(pid, procRoot) : undefined;
  if (ids === undefined || startTime === undefined) {
    throw new UnavailableError(
      `workload attestation failed: no process with pid ${pid}`,
      'ERR_WORKLOAD_ATTESTATION',
    );
  }
  return attestation.attest({ id: `pid:${pid}`, cred: { pid, ...ids }, startTime });
}

/**
 * The selectors a delegated request is about.
 * @throws InvalidArgumentError for a bad request; UnavailableError when the pid cannot be attested.
 */
export async function resolveTarget(
  target: DelegatedTarget,
  attestation: WorkloadAttestation,
  procRoot: string,
): Promise<Selector[]> {
  checkTarget(target);
  if (target.selectors.length > 0) return selectorsFromRequest(target.selectors);
  return attestPid(target.pid, attestation, procRoot);
}
