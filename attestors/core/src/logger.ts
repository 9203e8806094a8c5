/**
 * The logging surface plugins see. A winston logger satisfies it; fields use SPIRE's names
 * (`spiffe_id`, `agent_id`, `caller_uid`, …). Never put keys, tokens or signatures in fields.
 */
export interface PluginLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A logger that drops everything; for tests and tools that have nowhere to log. */
export const silentLogger: PluginLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
