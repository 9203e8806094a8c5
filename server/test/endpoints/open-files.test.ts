import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import type { PluginLogger } from '@lanyard/attestor-core';
import { SERVER_OWN_FILES, openFilesSoftLimit, warnIfOpenFilesTooFew } from '../../src/endpoints/open-files';

function capture(): { logger: PluginLogger; warnings: Array<{ message: string; fields?: object }> } {
  const warnings: Array<{ message: string; fields?: object }> = [];
  const ignore = (): undefined => undefined;
  return {
    warnings,
    logger: {
      debug: ignore,
      info: ignore,
      error: ignore,
      warn: (message, fields) => warnings.push({ message, fields }),
    },
  };
}

test('the soft open-file limit of this process is the one a child shell reports (ulimit -n)', () => {
  const shell = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
  expect(String(openFilesSoftLimit())).toBe(shell);
});

test('a process started under ulimit -n 300 is read as 300 from its /proc limits', async () => {
  const child = spawn('sh', ['-c', 'ulimit -n 300 && exec sleep 30'], { stdio: 'ignore' });
  try {
    const limits = `/proc/${child.pid}/limits`;
    const deadline = Date.now() + 20_000;
    // The shell execs sleep after lowering the limit; wait until the process shows it.
    while (openFilesSoftLimit(() => fs.readFileSync(limits, 'utf8')) !== 300) {
      if (Date.now() > deadline)
        throw new Error(`limit never became 300: ${fs.readFileSync(limits, 'utf8')}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    child.kill('SIGKILL');
  }
});

test('an unlimited or unreadable limit gives no figure', () => {
  const unlimited =
    'Limit   Soft Limit   Hard Limit   Units\nMax open files   unlimited   unlimited   files\n';
  expect(openFilesSoftLimit(() => unlimited)).toBeUndefined();
  expect(
    openFilesSoftLimit(() => {
      throw new Error('ENOENT');
    }),
  ).toBeUndefined();
});

test('the server warns when the limit cannot hold max_connections plus its own files, naming both', () => {
  const low = capture();
  expect(warnIfOpenFilesTooFew(1024, low.logger, 1024)).toBe(true);
  expect(low.warnings).toHaveLength(1);
  expect(low.warnings[0].message).toMatch(/open file limit .* lanyard_limits\.max_connections/);
  expect(low.warnings[0].fields).toEqual({
    open_files_soft_limit: 1024,
    max_connections: 1024,
    needed: 1024 + SERVER_OWN_FILES,
  });
  const enough = capture();
  expect(warnIfOpenFilesTooFew(1024, enough.logger, 1024 + SERVER_OWN_FILES)).toBe(false);
  expect(warnIfOpenFilesTooFew(1024, enough.logger, undefined)).toBe(false);
  expect(enough.warnings).toHaveLength(0);
});
