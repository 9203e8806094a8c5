import { InvalidArgumentError } from '@lanyard/base';

/** `plugin_data` of one plugin block after HCL/JSON parsing: plain values, nested objects and arrays. */
export type PluginData = Record<string, unknown>;

/**
 * Small typed reader over a plugin's `plugin_data` that reports unknown keys and wrong types
 * with the plugin name and key in the message, e.g. `aws_iid: plugin_data.skip_block_device must be a boolean`.
 */
export class PluginConfigReader {
  private readonly seen = new Set<string>();

  constructor(
    private readonly plugin: string,
    private readonly data: PluginData,
  ) {}

  private fail(key: string, problem: string): never {
    throw new InvalidArgumentError(`${this.plugin}: plugin_data.${key} ${problem}`, 'ERR_PLUGIN_CONFIG');
  }

  private raw(key: string): unknown {
    this.seen.add(key);
    return this.data[key];
  }

  /** Optional string; `undefined` when absent. */
  string(key: string): string | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') this.fail(key, 'must be a string');
    return value;
  }

  /** Required non-empty string. */
  requiredString(key: string): string {
    const value = this.string(key);
    if (value === undefined || value === '') this.fail(key, 'is required');
    return value;
  }

  /** Optional boolean. */
  boolean(key: string): boolean | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') this.fail(key, 'must be a boolean');
    return value;
  }

  /** Optional integer. */
  integer(key: string): number | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) this.fail(key, 'must be an integer');
    return value;
  }

  /** Optional list of strings. */
  stringList(key: string): string[] | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
      this.fail(key, 'must be a list of strings');
    }
    return value as string[];
  }

  /** Optional nested object (an HCL block or map). */
  object(key: string): PluginData | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      this.fail(key, 'must be an object');
    return value as PluginData;
  }

  /** Throws if `plugin_data` has keys that no getter asked for. Call it after reading every key. */
  rejectUnknownKeys(): void {
    const unknown = Object.keys(this.data).filter((key) => !this.seen.has(key));
    if (unknown.length > 0) {
      this.fail(unknown.sort().join(', '), 'is not a known key');
    }
  }
}
