/** The Delegated Identity API: SVIDs and bundles for other workloads, for callers in `authorized_delegates`. */
export {
  registerDelegatedIdentityService,
  createDelegatedIdentityHandlers,
  type DelegatedIdentityOptions,
} from './service';
export { DelegateAuthorizer } from './authorize';
export { DEFAULT_MAX_PENDING_MESSAGES } from './pump';
