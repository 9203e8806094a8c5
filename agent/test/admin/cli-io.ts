/** An in-memory CliIo for running `lanyard-agent` commands in-process. */
import { PassThrough } from 'node:stream';
import type { CliIo } from '../../src/cli';

/** A CliIo whose stdout and stderr are collected as strings. */
export interface TestIo extends CliIo {
  out(): string;
  err(): string;
}

/** A fresh {@link TestIo} (empty environment, never signalled). */
export function testIo(): TestIo {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return {
    stdout,
    stderr,
    env: {},
    stopSignal: () => new Promise<string>(() => undefined),
    out: () => out,
    err: () => err,
  };
}
