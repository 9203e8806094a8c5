/**
 * The caller of a log call, for `log_source_location` / `-logSourceLocation` (logrus `ReportCaller`): the
 * `file` (`path:line`) and `func` fields SPIRE adds to every line.
 */

/** The `file` and `func` fields of one log line. */
export interface SourceLocation {
  /** `path:line` of the call. */
  file: string;
  /** The calling function, or `<anonymous>` for a top-level or arrow function without a name. */
  func: string;
}

/** Frames of the logging machinery itself: winston and its streams, and this folder (compiled or not). */
const LOGGING_FRAME = /[\\/]node_modules[\\/]|^node:|[\\/]common[\\/](src|dist)[\\/]log[\\/]/;
const FRAME = /^\s*at (?:(.+?) \()?(.+):(\d+):\d+\)?$/;
const DEPTH = 40;

/** Reads `at func (file:line:col)` / `at file:line:col`; undefined for native or unparsable frames. */
function parseFrame(line: string): { func: string; path: string; line: string } | undefined {
  const m = FRAME.exec(line);
  if (!m) return undefined;
  return { func: m[1] ?? '<anonymous>', path: m[2].replace(/^file:\/\//, ''), line: m[3] };
}

/**
 * The first stack frame outside the logging machinery, i.e. the code that called `logger.info(...)`.
 * Winston formats synchronously inside the log call, so the caller is on the current stack.
 */
export function callerLocation(): SourceLocation | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = DEPTH;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  for (const line of stack.split('\n').slice(1)) {
    const frame = parseFrame(line);
    if (frame && !LOGGING_FRAME.test(frame.path)) {
      return { file: `${frame.path}:${frame.line}`, func: frame.func.replace(/^async /, '') };
    }
  }
  return undefined;
}
