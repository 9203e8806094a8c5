export { normalizeGoFlags, collectList, listOption } from './argv';
export { runCommander } from './run';
export {
  outputOption,
  parseOutputFormat,
  printResult,
  printCliError,
  toJsonValue,
  type OutputFormat,
} from './output';
