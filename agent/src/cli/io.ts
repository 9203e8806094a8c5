/** The I/O a command sees (shared with the other Lanyard CLI, defined in `@lanyard/common`). */
export { processIo, type CliIo } from '@lanyard/common';
