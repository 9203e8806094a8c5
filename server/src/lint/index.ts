/** `entry lint`: rules that find dangerous registrations. */
export * from './types';
export * from './lint';
export { broadness } from './rules/selectors';
