export * from './event';
export * from './mask';
export * from './size';
export * from './trail-writer';
export * from './trail-files';
export * from './trail-reader';
export * from './trail-config';
export * from './query';
