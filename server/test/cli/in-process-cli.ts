/**
 * Runs `lanyard-server` commands in the test process (`runCli` with captured stdout/stderr), for suites that
 * start `run` and then talk to it with other commands.
 */
import { createServer, type AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import type { CliIo } from '../../src/cli/io';
import { runCli } from '../../src/cli/program';

/** Captured CLI streams; `stop` resolves to the signal that ends a `run`. */
export function captureCli(
  stop: Promise<string> = new Promise(() => undefined),
  env: NodeJS.ProcessEnv = {},
) {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (d: Buffer) => out.push(d.toString()));
  stderr.on('data', (d: Buffer) => err.push(d.toString()));
  const io: CliIo = { stdout, stderr, env, stopSignal: () => stop };
  return { io, out: () => out.join(''), err: () => err.join('') };
}

/** Runs one command to completion. */
export async function runCapturedCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const c = captureCli();
  const code = await runCli(args, c.io);
  return { code, out: c.out(), err: c.err() };
}

/** Starts `run` with `args`; `stop()` sends SIGTERM, `exited` resolves to its exit code. */
export function startCapturedRun(args: string[]): { stop(): void; exited: Promise<number> } {
  let signal: (s: string) => void = () => undefined;
  const exited = runCli(['run', ...args], captureCli(new Promise((r) => (signal = r))).io);
  return { stop: () => signal('SIGTERM'), exited };
}

/** Polls `probe` every 100 ms until it holds (errors count as not yet), for up to 60 s. */
export async function waitUntil(probe: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}
