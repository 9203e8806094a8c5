/**
 * A small, strict reader of the two STS answers the server needs: `GetCallerIdentityResponse` (Arn, Account,
 * UserId) and `ErrorResponse` (Code, Message). Each element must appear exactly once inside its parent; entities
 * are decoded; nothing else of XML (attributes, CDATA, nesting) is interpreted.
 */

/** The caller STS reported. */
export interface StsCallerIdentity {
  readonly arn: string;
  readonly account: string;
  readonly userId: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return ENTITIES[name];
  });
}

/** The text of the only `<name>` element inside `xml`, or undefined when absent, repeated or not plain text. */
function onlyElement(xml: string, name: string): string | undefined {
  const pattern = new RegExp(`<${name}(?:\\s[^>]*)?>([^<]*)</${name}>`, 'g');
  const matches = [...xml.matchAll(pattern)];
  const opens = [...xml.matchAll(new RegExp(`<${name}(?=[\\s>])`, 'g'))].length;
  return matches.length === 1 && opens === 1 ? decodeEntities(matches[0][1]).trim() : undefined;
}

/** The inner text of the only `<name>…</name>` section (exact tag name), or undefined. */
function section(xml: string, name: string): string | undefined {
  const opens = [...xml.matchAll(new RegExp(`<${name}(?=[\\s>])`, 'g'))];
  const end = xml.lastIndexOf(`</${name}>`);
  if (opens.length !== 1 || end < (opens[0].index ?? 0)) return undefined;
  return xml.slice(opens[0].index, end);
}

/** Reads a `GetCallerIdentityResponse`; undefined when it is not one or misses a field. */
export function parseCallerIdentity(xml: string): StsCallerIdentity | undefined {
  const result = section(xml, 'GetCallerIdentityResult');
  if (result === undefined || !xml.includes('<GetCallerIdentityResponse')) return undefined;
  const arn = onlyElement(result, 'Arn');
  const account = onlyElement(result, 'Account');
  const userId = onlyElement(result, 'UserId');
  if (!arn || !account || !userId || !/^\d{12}$/.test(account)) return undefined;
  return { arn, account, userId };
}

/** Reads an STS `ErrorResponse`'s code and message (either may be empty when absent). */
export function parseStsError(xml: string): { code: string; message: string } {
  const error = section(xml, 'Error') ?? '';
  return { code: onlyElement(error, 'Code') ?? '', message: onlyElement(error, 'Message') ?? '' };
}
