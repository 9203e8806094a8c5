/** Reading the agent's Prometheus endpoint in tests. */
import * as os from 'node:os';
import type { PrometheusListener } from '@lanyard/common';

const host = os.hostname();

/** The exposition text of `listener`'s `/metrics`. */
export async function scrape(listener: PrometheusListener): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${listener.address.port}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}

/** The value of the sample `name{labels}` (labels given without the host label, in exposition order). */
export function sample(text: string, name: string, labels = ''): number | undefined {
  const all = labels === '' ? `host="${host}"` : `${labels},host="${host}"`;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${all}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}
