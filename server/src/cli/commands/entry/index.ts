/** `entry create|update|delete|show|count|lint`. */
import type { Command } from 'commander';
import type { CliCommand, CommandContext } from '../../registry';
import { addGroup } from '../support/api-command';
import { addEntryCreate } from './create';
import { addEntryDelete } from './delete';
import { addEntryLint } from './lint';
import { addEntryShowCount } from './show';
import { addEntryUpdate } from './update';

function register(program: Command, ctx: CommandContext): void {
  const entry = addGroup(program, 'entry', 'Manage registration entries');
  addEntryShowCount(entry, ctx);
  addEntryCreate(entry, ctx);
  addEntryDelete(entry, ctx);
  addEntryUpdate(entry, ctx);
  addEntryLint(entry, ctx);
}

/** Registration of `entry`. */
export const entryCommand: CliCommand = { name: 'entry', register };
