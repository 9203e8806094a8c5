/** The shape of a command module (shared with the other Lanyard CLI, defined in `@lanyard/common`). */
export type { CliCommand, CommandContext } from '@lanyard/common';
