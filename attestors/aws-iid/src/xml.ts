/** An XML element: its local name, child elements and direct text. */
export interface XmlElement {
  readonly name: string;
  readonly children: XmlElement[];
  text: string;
}

const TOKEN = /<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<\/([\w:.-]+)\s*>|<([\w:.-]+)(?:\s[^>]*?)?(\/?)>|([^<]+)/g;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * Parses the small, well-formed XML documents AWS Query APIs answer with (no DTDs, attributes ignored,
 * namespace prefixes dropped). Returns `undefined` for malformed input instead of guessing.
 */
export function parseXml(text: string): XmlElement | undefined {
  const root: XmlElement = { name: '#document', children: [], text: '' };
  const stack: XmlElement[] = [root];
  for (const match of text.matchAll(TOKEN)) {
    const [, close, open, selfClosing, chars] = match;
    const top = stack[stack.length - 1];
    if (open !== undefined) {
      const element: XmlElement = { name: localName(open), children: [], text: '' };
      top.children.push(element);
      if (selfClosing !== '/') stack.push(element);
    } else if (close !== undefined) {
      if (stack.length < 2 || top.name !== localName(close)) return undefined;
      stack.pop();
    } else if (chars !== undefined) {
      top.text += decodeEntities(chars);
    }
  }
  return stack.length === 1 ? root.children[0] : undefined;
}

/** First child element with this name. */
export function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name);
}

/** Text of the element reached by following `path` (child names), trimmed; `undefined` if absent. */
export function textAt(element: XmlElement | undefined, ...path: string[]): string | undefined {
  let current = element;
  for (const name of path) current = child(current, name);
  return current?.text.trim();
}

/** The child elements of a list wrapper (`<tagSet><item>…`, `<Roles><member>…`). */
export function items(element: XmlElement | undefined, wrapper: string): XmlElement[] {
  return child(element, wrapper)?.children ?? [];
}

/** Depth-first search for the first element with this name. */
export function find(element: XmlElement | undefined, name: string): XmlElement | undefined {
  if (!element) return undefined;
  if (element.name === name) return element;
  for (const c of element.children) {
    const hit = find(c, name);
    if (hit) return hit;
  }
  return undefined;
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (whole, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    return ENTITIES[entity] ?? whole;
  });
}
