import { randomUUID } from 'node:crypto';
import type { FakeResponse } from './http-fake';

/** XML namespace of STS answers. */
export const STS_XML_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** An AWS request ID. */
export function awsRequestId(): string {
  return randomUUID();
}

/** Escapes text for an XML element or attribute value. */
export function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** An STS XML answer with the `x-amzn-requestid` header STS sends. */
export function stsXml(status: number, body: string): FakeResponse {
  return { status, body, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': awsRequestId() } };
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
      `<RequestId>${awsRequestId()}</RequestId></ErrorResponse>`,
  );
}

/** An XML answer with the AWS prolog. */
export function xmlResponse(body: string, status = 200): FakeResponse {
  return {
    status,
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`,
    headers: { 'content-type': 'text/xml;charset=UTF-8' },
  };
}

/** An EC2 error document (`<Response><Errors><Error>`). */
export function ec2Error(status: number, code: string, message: string): FakeResponse {
  return xmlResponse(
    `<Response><Errors><Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error></Errors><RequestID>${awsRequestId()}</RequestID></Response>`,
    status,
  );
}

/** An AWS Query API error document (IAM, STS, Auto Scaling: `<ErrorResponse><Error>`). */
export function queryError(status: number, code: string, message: string): FakeResponse {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  return xmlResponse(
    `<ErrorResponse><Error><Type>${type}</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${awsRequestId()}</RequestId></ErrorResponse>`,
    status,
  );
}

/** An AWS JSON error (`x-amzn-errortype` header and `__type` in the body, as JSON 1.1 and REST-JSON APIs send). */
export function jsonError(status: number, type: string, message: string): FakeResponse {
  return {
    status,
    body: JSON.stringify({ __type: type, message }),
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type },
  };
}

/** A `Query` API success document: `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>`. */
export function queryResult(action: string, xmlns: string, result: string): FakeResponse {
  return xmlResponse(
    `<${action}Response xmlns="${xmlns}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>${awsRequestId()}</RequestId></ResponseMetadata></${action}Response>`,
  );
}
