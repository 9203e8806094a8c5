/**
 * Harness for the admin CLI suites: a real `lanyard-server` process (SQLite in a temp dir) and the built CLI
 * (`server/dist/cli/main.js`, build with `npx tsc --build server`) run as child processes against its socket.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { SERVER_BIN, ServerUnderTest, type CommandResult } from '@lanyard/e2e';
import { connectServerApis } from '../../src/cli/admin-client';
import { generateCsr } from '../../src/cli/commands/mint/csr';

/** A started server plus helpers to run CLI commands against it. */
export interface CliServer {
  server: ServerUnderTest;
  dir: string;
  /** Runs `lanyard-server <args> -socketPath <sock>`; `input` is piped to stdin. */
  cli(args: string[], input?: string): Promise<CommandResult>;
  /** Like {@link cli} but fails the test unless the exit code is 0; returns stdout. */
  ok(args: string[], input?: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts a server in a fresh temp dir (short path: socket paths are limited to ~107 bytes). */
export async function startCliServer(): Promise<CliServer> {
  if (!existsSync(SERVER_BIN))
    throw new Error(`${SERVER_BIN} is missing: run "npx tsc --build server" first`);
  const dir = mkdtempSync(path.join(tmpdir(), 'lycli-'));
  const server = await ServerUnderTest.start({ dir });
  return {
    server,
    dir,
    cli: (args, input) => server.cli(args, input),
    ok: async (args, input) => {
      const result = await server.cli(args, input);
      if (result.code !== 0) {
        throw new Error(
          `lanyard-server ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`,
        );
      }
      return result.stdout;
    },
    close: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Parses one JSON document printed by `-output json`. */
export function json<T = Record<string, unknown>>(stdout: string): T {
  expect(stdout.endsWith('\n')).toBe(true);
  expect(stdout.trim().includes('\n')).toBe(false);
  return JSON.parse(stdout) as T;
}

/** The `Entry ID` values of pretty entry blocks, in order. */
export function entryIds(stdout: string): string[] {
  return [...stdout.matchAll(/^Entry ID {16}: (\S+)$/gm)].map((m) => m[1]);
}

/**
 * Attests a fake agent with a fresh join token over the real `AttestAgent` stream on the server's TLS port, and
 * returns its SPIFFE ID (`spiffe://example.org/spire/agent/join_token/<token>`).
 */
export async function attestAgent(s: CliServer): Promise<string> {
  const token = /Token: (\S+)/.exec(await s.ok(['token', 'generate']))?.[1] ?? '';
  const roots = Buffer.from(await s.ok(['bundle', 'show']));
  const credentials = grpc.credentials.createSsl(roots, null, null, {
    checkServerIdentity: (_host, cert) =>
      cert.subjectaltname === 'URI:spiffe://example.org/spire/server'
        ? undefined
        : new Error('unexpected server'),
  });
  const clients = connectServerApis(`127.0.0.1:${s.server.port}`, credentials, {
    'grpc.ssl_target_name_override': 'spire-server',
  });
  try {
    const { csrDer } = generateCsr('spiffe://example.org/agent-csr', []);
    await new Promise<void>((resolve, reject) => {
      const call = clients.agent.AttestAgent();
      call.on('data', () => {
        call.end();
        resolve();
      });
      call.on('error', reject);
      call.write({
        params: { data: { type: 'join_token', payload: Buffer.from(token) }, params: { csr: csrDer } },
      });
    });
  } finally {
    clients.close();
  }
  return `spiffe://example.org/spire/agent/join_token/${token}`;
}
