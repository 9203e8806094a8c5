import type { Writable } from 'node:stream';
import { CommanderError, type Command } from 'commander';
import { normalizeGoFlags } from './argv';

/**
 * Runs `program` on `argv` (without `node` and the script; Go-style flags accepted) and maps the outcome to an
 * exit code: `actionCode()` after a completed action, 0 for help, 127 for an unknown command, 1 for any other
 * commander error (usage already printed) and for a thrown error, whose message goes to `stderr` after
 * `errorPrefix`. With no arguments at all it prints the help to stderr and returns 1. The program (and its
 * subcommands) must have `exitOverride()` set.
 */
export async function runCommander(
  program: Command,
  argv: readonly string[],
  stderr: Writable,
  actionCode: () => number,
  errorPrefix = '',
): Promise<number> {
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return 1;
  }
  try {
    await program.parseAsync(normalizeGoFlags(argv, program), { from: 'user' });
    return actionCode();
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help') return 0;
      return err.code === 'commander.unknownCommand' ? 127 : 1;
    }
    stderr.write(`${errorPrefix}${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
