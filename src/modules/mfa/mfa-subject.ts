import { PLATFORM_REALM, appUserRealm } from '../credentials/access-tokens';
import type { Principal } from '../../common/principal/principal';

/**
 * Whose second factor: a platform account (realm `platform`) or an app user of one workspace (realm
 * `ws:<workspace id>`), named as refresh tokens name them.
 */
export interface MfaSubject {
  realm: string;
  subjectId: string;
}

export const accountSubject = (userId: string): MfaSubject => ({ realm: PLATFORM_REALM, subjectId: userId });
export const appUserSubject = (workspaceId: string, appUserId: string): MfaSubject => ({ realm: appUserRealm(workspaceId), subjectId: appUserId });

/** The subject of a person's principal; null for API keys and flows, which have no second factor. */
export function subjectOf(principal: Principal): MfaSubject | null {
  switch (principal.kind) {
    case 'user':
      return accountSubject(principal.userId);
    case 'app_user':
      return appUserSubject(principal.workspaceId, principal.appUserId);
    case 'api_key':
    case 'flow':
      return null;
  }
}
