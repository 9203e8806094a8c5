/**
 * The shared shape of every admin-API subcommand (SPIRE's `util.Adapter`): `-socketPath`, `-instance`,
 * `-output`, one connection per run, failures printed as `Error: <message>` with exit code 1.
 */
import type { Writable } from 'node:stream';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { CallOptions, ServiceError } from '@grpc/grpc-js';
import { formatRpcError, unary } from '@lanyard/base/grpc';
import { parseOutputFormat, type OutputFormat } from '@lanyard/common';
import { runAdminAction } from '../../admin-action';
import type { ServerApiClients } from '../../admin-client';
import { instanceOption, socketPathOption } from '../../flags';
import type { CommandContext } from '../../registry';

/** Flags every API command has. */
export interface ApiFlags {
  socketPath?: string;
  instance?: string;
  output?: OutputFormat;
}

/** What an API command's action gets. */
export interface ApiRun {
  readonly clients: ServerApiClients;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** `-output` value (`pretty` when not given). */
  readonly format: OutputFormat;
}

/** One API subcommand: its flags and its action (throws to fail). */
export interface ApiCommandSpec<F extends ApiFlags> {
  readonly name: string;
  readonly description: string;
  readonly options?: readonly Option[];
  run(flags: F, api: ApiRun): Promise<void>;
}

/** An error whose message is printed as is (`Error: <message>`), optionally prefixed like Go's `%w` wrapping. */
export class CliFailure extends Error {}

/** The text SPIRE's CLI prints for an error: gRPC errors as `rpc error: code = … desc = …`. */
export function errorText(err: unknown): string {
  return formatRpcError(err);
}

/** Wraps `err` as `<prefix>: <its text>` (Go's `fmt.Errorf("prefix: %w", err)`). */
export function wrapError(prefix: string, err: unknown): CliFailure {
  return new CliFailure(`${prefix}: ${errorText(err)}`);
}

/**
 * `-output pretty|json` (unset means pretty). Like SPIRE, giving it twice with different values is an error:
 * `the output format has already been set to "<first>"`.
 */
export function outputOption(): Option {
  return new Option('--output <format>', 'Desired output format (pretty, json; default: pretty)').argParser(
    (value: string, previous: OutputFormat | undefined) => {
      if (previous !== undefined && previous !== value) {
        throw new InvalidArgumentError(`the output format has already been set to "${previous}"`);
      }
      try {
        return parseOutputFormat(value);
      } catch (err) {
        throw new InvalidArgumentError((err as Error).message);
      }
    },
  );
}

/** Adds `spec` as a subcommand of `parent`. */
export function addApiCommand<F extends ApiFlags>(
  parent: Command,
  ctx: CommandContext,
  spec: ApiCommandSpec<F>,
): Command {
  const command = parent
    .command(spec.name)
    .description(spec.description)
    .addOption(socketPathOption())
    .addOption(instanceOption());
  command.addOption(outputOption());
  for (const option of spec.options ?? []) command.addOption(option);
  command.action(async (flags: F) => ctx.exit(await runApiCommand(spec, flags, ctx)));
  return command;
}

function runApiCommand<F extends ApiFlags>(
  spec: ApiCommandSpec<F>,
  flags: F,
  ctx: CommandContext,
): Promise<number> {
  const { io } = ctx;
  return runAdminAction(ctx, flags, (clients) =>
    spec.run(flags, { clients, stdout: io.stdout, stderr: io.stderr, format: flags.output ?? 'pretty' }),
  );
}

/** A command group (`entry`, `bundle`, …) whose subcommands are added by the caller. */
export function addGroup(program: Command, name: string, description: string): Command {
  return program.command(name).description(description);
}

/** A string flag (`-name <value>`). */
export function stringOption(flags: string, description: string, defaultValue?: string): Option {
  const option = new Option(flags, description);
  return defaultValue === undefined ? option : option.default(defaultValue);
}

/** A boolean flag (`-name`, `-name=true|false`). */
export function boolOption(flags: string, description: string): Option {
  return new Option(flags, description).default(false);
}

/** The callback of a unary client method. */
type UnaryCallback<Res> = (err: ServiceError | null, res?: Res) => void;

/**
 * A unary client method of a generated client; its `(request, callback)` form gives the types, its
 * `(request, options, callback)` form is the one called.
 */
type UnaryMethod<Req, Res> = ((request: Req, callback: UnaryCallback<Res>) => unknown) &
  ((request: Req, options: CallOptions, callback: UnaryCallback<Res>) => unknown);

/**
 * Calls a unary method of a generated client through the gRPC bridge's {@link unary} and resolves with its
 * typed response: `await rpc(clients.entry, clients.entry.GetEntry, { id })`.
 */
export function rpc<Req, Res>(client: object, method: UnaryMethod<Req, Res>, request: Req): Promise<Res> {
  return unary<Res>((options, callback) => method.call(client, request, options, callback));
}
