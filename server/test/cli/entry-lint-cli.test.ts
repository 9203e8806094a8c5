import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { SERVER_BIN, runCommand } from '@lanyard/e2e';
import { attestAgent, json, startCliServer, type CliServer } from './cli-harness';

const TD = 'spiffe://example.org';

/** Each step spawns a Node process; on a loaded 2-core machine a multi-step test can take a while. */
jest.setTimeout(120_000);

interface LintJson {
  findings: { rule: string; severity: string; entry_id: string; spiffe_id: string; message: string }[];
  skipped_rules: string[];
}

describe('lanyard-server entry lint (real server, CLI as a child process)', () => {
  let s: CliServer;
  let agentId: string;
  beforeAll(async () => {
    s = await startCliServer();
    agentId = await attestAgent(s);
  }, 120_000);
  afterAll(async () => s?.close());

  test('clean registrations pass with exit status 0 and no findings', async () => {
    await s.ok([
      'entry',
      'create',
      '-parentID',
      agentId,
      '-spiffeID',
      `${TD}/web`,
      '-selector',
      'k8s:ns:prod',
      '-selector',
      'k8s:sa:web',
    ]);
    const out = json<LintJson>(await s.ok(['entry', 'lint', '-output', 'json']));
    expect(out.findings).toEqual([]);
    expect(await s.ok(['entry', 'lint'])).toBe('0 findings (0 error, 0 warning, 0 info)\n');
  });

  test('a dangerous entry is reported with rule, severity, entry and SPIFFE ID; exit 1 at -failOn', async () => {
    const created = await s.ok([
      'entry',
      'create',
      '-parentID',
      agentId,
      '-spiffeID',
      `${TD}/root-admin`,
      '-selector',
      'unix:uid:0',
      '-admin',
    ]);
    const id = /Entry ID\s+: (\S+)/.exec(created)?.[1];
    const result = await s.cli(['entry', 'lint', '-output', 'json']);
    expect(result.code).toBe(1);
    const out = json<LintJson>(result.stdout);
    expect(out.findings).toEqual([
      expect.objectContaining({
        rule: 'privileged-broad-selectors',
        severity: 'error',
        entry_id: id,
        spiffe_id: `${TD}/root-admin`,
      }),
    ]);
    expect(result.stderr).toContain('1 finding at or above error');
    const pretty = await s.cli(['entry', 'lint']);
    expect(pretty.stdout).toContain(`ERROR privileged-broad-selectors entry ${id} (${TD}/root-admin)`);
    expect(pretty.stdout).toContain('fix: ');
    await s.ok(['entry', 'delete', '-entryID', id!]);
  });

  test('-failOn sets the threshold: a warning fails only with -failOn warning', async () => {
    await s.ok([
      'entry',
      'create',
      '-parentID',
      `${TD}/nowhere`,
      '-spiffeID',
      `${TD}/orphan`,
      '-selector',
      'unix:uid:1000',
    ]);
    expect((await s.cli(['entry', 'lint'])).code).toBe(0);
    const failing = await s.cli(['entry', 'lint', '-failOn', 'warning', '-output', 'json']);
    expect(failing.code).toBe(1);
    expect(json<LintJson>(failing.stdout).findings.map((f) => f.rule)).toEqual(['orphan-parent']);
    const bad = await s.cli(['entry', 'lint', '-failOn', 'fatal']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('must be one of error, warning, info');
  });

  test('-data lints a file before creation, against what the server already has', async () => {
    const file = path.join(s.dir, 'entries.json');
    writeFileSync(
      file,
      JSON.stringify({
        entries: [
          {
            spiffe_id: `${TD}/web`,
            parent_id: agentId,
            selectors: [
              { type: 'k8s', value: 'sa:web' },
              { type: 'k8s', value: 'ns:prod' },
            ],
          },
          {
            spiffe_id: `${TD}/api`,
            parent_id: agentId,
            selectors: [{ type: 'k8s', value: 'ns:prod' }],
            x509_svid_ttl: 172800,
          },
        ],
      }),
    );
    const result = await s.cli(['entry', 'lint', '-data', file, '-output', 'json']);
    const rules = json<LintJson>(result.stdout).findings.map((f) => `${f.rule} ${f.spiffe_id}`);
    expect(rules.sort()).toEqual([
      `broad-selectors ${TD}/api`,
      `duplicate-entry ${TD}/web`,
      `shadowed-entry ${TD}/web`,
      `ttl-exceeds-ca ${TD}/api`,
      `ttl-over-24h ${TD}/api`,
    ]);
    expect(result.code).toBe(1);
  });

  test('-data without a reachable server still lints, skips server rules and says so', async () => {
    const file = path.join(s.dir, 'offline.json');
    writeFileSync(
      file,
      JSON.stringify({
        entries: [
          { spiffe_id: `${TD}/x`, parent_id: `${TD}/p`, selectors: [{ type: 'unix', value: 'uid:0' }] },
        ],
      }),
    );
    const socket = path.join(s.dir, 'no-such.sock');
    const result = await runCommand(process.execPath, [
      SERVER_BIN,
      'entry',
      'lint',
      '-data',
      file,
      '-socketPath',
      socket,
      '-output',
      'json',
    ]);
    expect(result.code).toBe(0);
    expect(json<LintJson>(result.stdout).findings.map((f) => f.rule)).toEqual(['broad-selectors']);
    expect(result.stderr).toContain('Note: server not reachable');
    expect(result.stderr).toContain('orphan-parent');
  });
});
