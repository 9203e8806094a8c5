/**
 * `rebootstrap_mode` / `rebootstrap_delay` (and `-rebootstrapMode` / `-rebootstrapDelay`): whether and when an
 * agent whose trust bundle no longer validates the server discards its bundle and SVID and bootstraps again.
 */
import { parseDuration } from '@lanyard/base';
import type { ConfigIssue } from '@lanyard/common';
import type { AgentFlagOverrides } from './flags';
import type { AgentSection } from './schema';

/** SPIRE's rebootstrap modes. */
export const REBOOTSTRAP_MODES = ['never', 'auto', 'always'] as const;

/** `never`: manual recovery; `always`: re-bootstrap, refusing to start when it cannot; `auto`: as `always`, off when unsupported. */
export type RebootstrapMode = (typeof REBOOTSTRAP_MODES)[number];

/** Effective rebootstrap settings. */
export interface RebootstrapSettings {
  mode: RebootstrapMode;
  /** How long the server must stay untrusted before re-bootstrapping (ms); default 10 m. */
  delayMs: number;
}

/** SPIRE's default `rebootstrap_delay`. */
export const DEFAULT_REBOOTSTRAP_DELAY_MS = 10 * 60 * 1000;

function issue(issues: ConfigIssue[], message: string): void {
  issues.push({ path: '', message, standalone: true });
}

function modeOf(value: string | undefined, issues: ConfigIssue[]): RebootstrapMode {
  const mode = (value ?? 'never').toLowerCase();
  if ((REBOOTSTRAP_MODES as readonly string[]).includes(mode)) return mode as RebootstrapMode;
  issue(issues, `unknown rebootstrap mode specified: ${value}`);
  return 'never';
}

function delayOf(section: AgentSection, flag: string | undefined, issues: ConfigIssue[]): number {
  if (flag === undefined) return section.rebootstrap_delay ?? DEFAULT_REBOOTSTRAP_DELAY_MS;
  try {
    return parseDuration(flag, { field: 'rebootstrapDelay' });
  } catch (err) {
    issue(issues, `error parsing rebootstrap delay duration: ${(err as Error).message}`);
    return DEFAULT_REBOOTSTRAP_DELAY_MS;
  }
}

/** Maps the keys and flags (flag > file > default); SPIRE refuses rebootstrapping with `insecure_bootstrap`. */
export function rebootstrapOf(
  section: AgentSection,
  flags: AgentFlagOverrides,
  insecureBootstrap: boolean,
  issues: ConfigIssue[],
): RebootstrapSettings {
  const mode = modeOf(flags.rebootstrapMode ?? section.rebootstrap_mode, issues);
  if (mode !== 'never' && insecureBootstrap) {
    issue(issues, 'insecure_bootstrap option can not be used with rebootstrapping');
  }
  return { mode, delayMs: delayOf(section, flags.rebootstrapDelay, issues) };
}
