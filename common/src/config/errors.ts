import { InvalidArgumentError } from '@lanyard/base';
import { formatPosition, pathKey, type Position } from './tree';

/** One problem found while reading a config: where it is and what is wrong. */
export interface ConfigIssue {
  /** Key path, e.g. `server.bind_port` (empty for the top level). */
  path: string;
  position?: Position;
  /** Lower-case description, e.g. `must be an integer`. */
  message: string;
  /** When true the message stands alone (SPIRE wording such as `trust_domain must be configured`). */
  standalone?: boolean;
}

/** An issue at the key path `segments` (e.g. `['plugins', 'KeyManager', 'disk']`), placed by `positions`. */
export function issueAt(
  positions: ReadonlyMap<string, Position>,
  segments: readonly string[],
  message: string,
): ConfigIssue {
  const path = pathKey(segments);
  return { path, position: positions.get(path), message };
}

/** Renders an issue as `server.bind_port (line 4, column 3): must be an integer`. */
export function formatIssue(issue: ConfigIssue): string {
  if (issue.standalone || !issue.path) return `${issue.message}${formatPosition(issue.position)}`;
  return `${issue.path}${formatPosition(issue.position)}: ${issue.message}`;
}

/** A config file that cannot be used; carries every issue found, not only the first. */
export class ConfigError extends InvalidArgumentError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], prefix?: string) {
    const body = issues.map(formatIssue).join('; ');
    super(prefix ? `${prefix}: ${body}` : body, 'ERR_CONFIG');
    this.issues = issues;
  }
}

/** A syntax error in a config file, with its position. */
export class ConfigSyntaxError extends InvalidArgumentError {
  readonly position: Position;

  constructor(message: string, position: Position, filename?: string) {
    const where = `line ${position.line}, column ${position.column}`;
    super(filename ? `${filename}: ${where}: ${message}` : `${where}: ${message}`, 'ERR_CONFIG_SYNTAX');
    this.position = position;
  }
}
