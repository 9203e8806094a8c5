/** Loopback fakes of the cloud services the cloud node attestors talk to. */
export * from './http-fake';
export * from './signing-identity';
export * from './pkcs7';
export * from './sigv4-check';
export * from './aws-imds';
export * from './aws-api';
export * from './aws-xml';
export * from './aws-presign';
export * from './aws-sts-caller-identity';
export * from './aws-json-apis';
export * from './google-apis';
export * from './gcp-metadata';
export * from './azure-model';
export * from './azure-apis';
export * from './azure-mi-token';
export * from './azure-imds';
export * from './azure-app-service';
