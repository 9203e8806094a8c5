export { normalizeGoFlags, collectList, listOption } from './argv';
export { runCommander } from './run';
export { processIo, type CliIo, type CliCommand, type CommandContext } from './command';
export {
  outputOption,
  parseOutputFormat,
  printResult,
  printCliError,
  toJsonValue,
  type OutputFormat,
} from './output';
