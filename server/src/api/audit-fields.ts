/**
 * Request fields of SPIRE-style audit records (`audit_log_enabled`): the scalar fields of a request (or of one
 * batch item) flattened into log fields. SPIFFE IDs become `spiffe://…` strings, selectors `type:value` lists;
 * bytes (CSRs), masks and secret-named fields (`token`, …) are left out.
 */
import { isSecretFieldName } from '@lanyard/common';

type Plain = Record<string, unknown>;

const SKIPPED = new Set(['output_mask', 'input_mask', 'page_token']);

function isRecord(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

function isWireId(value: unknown): value is { trust_domain: string; path: string } {
  return isRecord(value) && typeof value.trust_domain === 'string' && typeof value.path === 'string';
}

function fieldValue(value: unknown): unknown {
  if (value === null || value === undefined || Buffer.isBuffer(value) || value instanceof Uint8Array)
    return undefined;
  if (isWireId(value)) return `spiffe://${value.trust_domain}${value.path}`;
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value) === 0 ? undefined : value;
  if (typeof value === 'boolean') return value ? true : undefined;
  if (Array.isArray(value)) {
    const items = value
      .map((item) =>
        isRecord(item) && typeof item.type === 'string' && typeof item.value === 'string'
          ? `${item.type}:${item.value}`
          : typeof item === 'string'
            ? item
            : undefined,
      )
      .filter((item): item is string => item !== undefined);
    return items.length === 0 ? undefined : items.join(',');
  }
  return undefined;
}

/** The loggable fields of one request or batch item (an object), or `{ value }` for a plain string item. */
export function requestFields(request: unknown): Plain {
  if (typeof request === 'string') return request === '' ? {} : { id: request };
  if (!isRecord(request)) return {};
  const out: Plain = {};
  for (const [key, value] of Object.entries(request)) {
    if (SKIPPED.has(key) || isSecretFieldName(key)) continue;
    const field = fieldValue(value);
    if (field !== undefined) out[key] = field;
  }
  return out;
}

/**
 * Splits a batch call into its items: the request's one list field whose length equals the response's
 * `results`, paired with each result's status. Undefined when the call is not a batch.
 */
export function batchItems(
  request: unknown,
  response: unknown,
): Array<{ item: unknown; status: { code: number; message: string } }> | undefined {
  if (!isRecord(request) || !isRecord(response) || !Array.isArray(response.results)) return undefined;
  const results = response.results as Array<{ status?: { code?: number; message?: string } | null }>;
  const list = Object.values(request).find(
    (value): value is unknown[] => Array.isArray(value) && value.length === results.length,
  );
  if (list === undefined || results.length === 0) return undefined;
  return list.map((item, i) => ({
    item,
    status: { code: results[i]?.status?.code ?? 0, message: results[i]?.status?.message ?? 'OK' },
  }));
}
