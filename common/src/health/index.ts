export { HealthChecker, type HealthCheck, type HealthState, type SubsystemHealth } from './checker';
export {
  healthChecksSchema,
  healthChecksConfig,
  startHealthListener,
  type HealthChecksBlock,
  type HealthChecksConfig,
  type HealthListener,
} from './http';
export { HealthStatusTable, healthHandlers, addHealthService, type ServingStatus } from './grpc';
