/**
 * Line formats matching SPIRE's logrus output:
 * text `time="2026-01-02T03:04:05Z" level=info msg="Starting server" subsystem_name=ca` (fields sorted),
 * JSON `{"level":"info","msg":"Starting server","subsystem_name":"ca","time":"..."}`.
 */

/** A log record reduced to what the formats print. */
export interface LogRecord {
  time: Date;
  level: string;
  msg: string;
  fields: Record<string, unknown>;
}

const BARE = /^[A-Za-z0-9\-._/@^+]+$/;

/** logrus level names: `warn` prints as `warning`. */
export function logrusLevel(level: string): string {
  return level === 'warn' ? 'warning' : level;
}

/** RFC 3339 time without milliseconds, like Go's `time.RFC3339` in UTC. */
export function formatTime(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Converts a field value to the string logrus would print for it. */
function fieldText(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === 'string') return value;
  if (value instanceof Date) return formatTime(value);
  if (value === undefined) return '<nil>';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function quoteIfNeeded(text: string): string {
  return text === '' || BARE.test(text) ? text : JSON.stringify(text);
}

/** Renders a record in logrus text format. */
export function formatText(record: LogRecord): string {
  const parts = [
    `time=${JSON.stringify(formatTime(record.time))}`,
    `level=${logrusLevel(record.level)}`,
    `msg=${quoteIfNeeded(record.msg)}`,
  ];
  for (const key of Object.keys(record.fields).sort()) {
    parts.push(`${key}=${quoteIfNeeded(fieldText(record.fields[key]))}`);
  }
  return parts.join(' ');
}

/** Renders a record in logrus JSON format (keys sorted; clashing field names get a `fields.` prefix). */
export function formatJson(record: LogRecord): string {
  const out: Record<string, unknown> = {
    level: logrusLevel(record.level),
    msg: record.msg,
    time: formatTime(record.time),
  };
  for (const [key, value] of Object.entries(record.fields)) {
    const name = key in out ? `fields.${key}` : key;
    out[name] = value instanceof Error ? value.message : value;
  }
  const sorted = Object.fromEntries(
    Object.keys(out)
      .sort()
      .map((k) => [k, out[k]]),
  );
  return JSON.stringify(sorted);
}
