/**
 * @lanyard/attestor-aws-iid: the `aws_iid` node attestor. The agent sends the EC2 instance identity document and
 * its signatures from IMDS; the server verifies them, looks the instance up in EC2 and issues
 * `spiffe://<td>/spire/agent/aws_iid/<account>/<region>/<instance>` with `aws_iid:*` selectors.
 */
export * from './shared';
export * from './config';
export * from './signature';
export * from './region-certs';
export * from './server';
export * from './agent';
