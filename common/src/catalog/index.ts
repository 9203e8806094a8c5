/** The generic plugin catalog: plugin types, SPIRE's cardinality rules and the unknown-plugin error. */
export * from './cardinality';
export * from './plugin-types';
export * from './errors';
export * from './catalog';
export * from './config-check';
