/** The Delegated Identity API: SVIDs and bundles for other workloads, for callers in `authorized_delegates`. */
export {
  DEFAULT_MAX_PENDING_MESSAGES,
  registerDelegatedIdentityService,
  createDelegatedIdentityHandlers,
  type DelegatedIdentityOptions,
} from './service';
export { DelegateAuthorizer } from './authorize';
