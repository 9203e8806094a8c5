export { normalizeGoFlags, collectList, listOption } from './argv';
export {
  outputOption,
  parseOutputFormat,
  printResult,
  printCliError,
  toJsonValue,
  type OutputFormat,
} from './output';
