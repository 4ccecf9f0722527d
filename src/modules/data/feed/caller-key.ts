import { isAppRoleAccess, ItemsAccess } from '../../workspaces/workspaces.service';

/**
 * Callers that read the same rows of the same query share a key: anonymous callers by role, everybody
 * else by identity, since a policy or a query may name `$CURRENT_USER`.
 */
export function callerKey(access: ItemsAccess): string {
  const { principal } = access;
  const role = isAppRoleAccess(access) ? access.appRole : access.role;
  if (!principal) return `public:${role}`;
  switch (principal.kind) {
    case 'user':
      return `user:${principal.userId}:${role}`;
    case 'api_key':
      return `key:${principal.apiKeyId}`;
    case 'app_user':
      return `app:${principal.appUserId}:${role}:${principal.emailVerified}`;
    // A flow never subscribes; it is named for completeness.
    case 'flow':
      return `flow:${principal.flowId}`;
  }
}
