/** CMS / PKCS#7 SignedData parsing and signer verification on the base DER reader and `node:crypto`. */
export * from './signed-data';
export * from './verify';
