/**
 * `@lanyard/base/grpc`: the one bridge between Lanyard's status-carrying errors and grpc-js. It lives at its
 * own subpath so that `@lanyard/base`'s root never loads `@grpc/grpc-js`.
 */
export { codeName, formatRpcError, isServiceError } from './code-name';
export {
  INTERNAL_MESSAGE,
  fromServiceError,
  statusOf,
  toServiceError,
  type ServiceErrorStatus,
} from './service-error';
export { unary, type UnaryInvoker, type UnaryOptions } from './unary';
export { MalformedRequest, rejectMalformed, tolerantService } from './malformed-request';
