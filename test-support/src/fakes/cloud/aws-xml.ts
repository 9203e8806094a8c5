import { randomUUID } from 'node:crypto';
import type { FakeResponse } from './http-fake';

/** XML namespace of STS answers. */
export const STS_XML_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** Escapes text for an XML element or attribute value. */
export function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** An STS XML answer with the `x-amzn-requestid` header STS sends. */
export function stsXml(status: number, body: string): FakeResponse {
  return { status, body, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() } };
}

/** An STS `ErrorResponse` document (`Type`, `Code`, `Message`, `RequestId`), as STS's Query API answers errors. */
export function stsError(
  status: number,
  type: 'Sender' | 'Receiver',
  code: string,
  message: string,
): FakeResponse {
  return stsXml(
    status,
    `<ErrorResponse xmlns="${STS_XML_NAMESPACE}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>` +
      `<RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  );
}
