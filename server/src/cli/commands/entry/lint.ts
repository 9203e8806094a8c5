/**
 * `entry lint`: reports registrations that are dangerous (too broad, duplicated, shadowed, orphaned, trusting
 * unknown trust domains, with lifetimes the CA cannot honour). Exit status 1 when a finding is at or above
 * `-failOn`, so it can gate a CI pipeline.
 */
import type { Writable } from 'node:stream';
import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  atLeast,
  lintEntries,
  SEVERITIES,
  type Finding,
  type LintReport,
  type Severity,
} from '../../../lint';
import type { CommandContext } from '../../registry';
import { addApiCommand, CliFailure, stringOption, type ApiFlags } from '../support/api-command';
import { plural } from '../support/format';
import { ceilSeconds, durationArg } from '../support/parsers';
import { readLintInput } from './lint-input';

/** SPIRE's default `ca_ttl` and agent `sync_interval`. */
const DEFAULT_CA_TTL = '24h';
const DEFAULT_SYNC_INTERVAL = '5s';

interface LintFlags extends ApiFlags {
  data?: string;
  failOn: Severity;
  caTTL: number;
  syncInterval: number;
}

function severityArg(value: string): Severity {
  if (!(SEVERITIES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`must be one of ${SEVERITIES.join(', ')}`);
  }
  return value as Severity;
}

/** A Go duration flag, parsed to nanoseconds (the default too). */
function durationOption(flags: string, description: string, defaultValue: string): Option {
  return new Option(flags, description)
    .default(durationArg(defaultValue), defaultValue)
    .argParser(durationArg);
}

function entryName(f: Finding): string {
  return f.entry.id ? `entry ${f.entry.id}` : f.entry.label;
}

function printPretty(out: Writable, report: LintReport): void {
  for (const f of report.findings) {
    out.write(`${f.severity.toUpperCase()} ${f.rule} ${entryName(f)} (${f.entry.spiffeId})\n`);
    out.write(`  ${f.message}\n  fix: ${f.fix}\n\n`);
  }
  const counts = SEVERITIES.map((s) => `${report.findings.filter((f) => f.severity === s).length} ${s}`);
  const total = report.findings.length;
  out.write(`${plural(`${total} `, 'finding', 'findings', total)} (${counts.join(', ')})\n`);
}

function printJson(out: Writable, report: LintReport): void {
  const findings = report.findings.map((f) => ({
    rule: f.rule,
    severity: f.severity,
    entry_id: f.entry.id,
    spiffe_id: f.entry.spiffeId,
    message: f.message,
    fix: f.fix,
    ...(f.entry.id ? {} : { source: f.entry.label }),
  }));
  out.write(`${JSON.stringify({ findings, skipped_rules: report.skippedRules })}\n`);
}

/** Adds `entry lint` to the `entry` group. */
export function addEntryLint(entry: Command, ctx: CommandContext): void {
  addApiCommand<LintFlags>(entry, ctx, {
    name: 'lint',
    description: 'Reports dangerous registration entries (registered ones, or those of a -data file)',
    options: [
      stringOption('--data <path>', 'Lint the entries of this file (as for entry create -data; - for stdin)'),
      stringOption(
        '--failOn <severity>',
        'Exit with status 1 when a finding is at least this severe',
        'error',
      ).argParser(severityArg),
      durationOption('--caTTL <duration>', "The server's ca_ttl", DEFAULT_CA_TTL),
      durationOption('--syncInterval <duration>', "The agents' sync_interval", DEFAULT_SYNC_INTERVAL),
    ],
    async run(flags, api) {
      const limits = {
        caTtlSeconds: ceilSeconds(flags.caTTL),
        syncIntervalSeconds: ceilSeconds(flags.syncInterval),
      };
      const input = await readLintInput(api, flags.data, limits, api.stderr);
      const report = lintEntries(input.entries, input.context);
      if (report.skippedRules.length > 0) {
        api.stderr.write(`Note: rules skipped (no server to ask): ${report.skippedRules.join(', ')}\n`);
      }
      if (api.format === 'json') printJson(api.stdout, report);
      else printPretty(api.stdout, report);
      const failing = report.findings.filter((f) => atLeast(f.severity, flags.failOn)).length;
      if (failing > 0) {
        throw new CliFailure(
          `${plural(`${failing} `, 'finding', 'findings', failing)} at or above ${flags.failOn}`,
        );
      }
    },
  });
}
