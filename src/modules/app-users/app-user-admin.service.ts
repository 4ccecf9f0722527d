import { Injectable } from '@nestjs/common';
import { invalidPayload, notFound } from '../../common/errors/app-error';
import { appUserRealm } from '../credentials/access-tokens';
import { PasswordHasher } from '../credentials/password-hasher';
import { RefreshSession, RefreshTokensService } from '../credentials/refresh-tokens.service';
import { PoliciesService } from '../policies/policies.service';
import type { AppUserEntity } from './app-user.entity';
import { assertPasswordFits } from './app-auth.service';
import { AppUserChanges, AppUsersService } from './app-users.service';

/** What a workspace's owners and admins do to its app users beyond reading them: create, set a password, end sessions. */
@Injectable()
export class AppUserAdminService {
  constructor(
    private readonly appUsers: AppUsersService,
    private readonly passwords: PasswordHasher,
    private readonly refreshTokens: RefreshTokensService,
    private readonly policies: PoliciesService,
  ) {}

  /** Creates an app user with a first password; it signs in through the app auth API like any other. */
  async create(workspaceId: string, input: { email: string; password: string; role?: string }): Promise<AppUserEntity> {
    assertPasswordFits(input.password);
    if (input.role !== undefined) await this.assertAssignable(workspaceId, input.role);
    return this.appUsers.create(workspaceId, { email: input.email, passwordHash: await this.passwords.hash(input.password), role: input.role });
  }

  async update(workspaceId: string, id: string, changes: Pick<AppUserChanges, 'role' | 'status'>): Promise<AppUserEntity> {
    if (changes.role !== undefined) await this.assertAssignable(workspaceId, changes.role);
    return this.appUsers.update(workspaceId, id, changes);
  }

  /**
   * Sets a new password chosen by an admin, as a reset by mail would: every session of the app user ends
   * and its access tokens stop at once.
   */
  async setPassword(workspaceId: string, id: string, password: string): Promise<void> {
    assertPasswordFits(password);
    await this.appUsers.update(workspaceId, id, { passwordHash: await this.passwords.hash(password) });
    await this.refreshTokens.revokeAllOf(appUserRealm(workspaceId), id);
  }

  async sessions(workspaceId: string, id: string): Promise<RefreshSession[]> {
    await this.appUsers.getById(workspaceId, id);
    return this.refreshTokens.sessionsOf(appUserRealm(workspaceId), id);
  }

  async revokeSession(workspaceId: string, id: string, sessionId: string): Promise<void> {
    await this.appUsers.getById(workspaceId, id);
    if (!(await this.refreshTokens.revokeSession(appUserRealm(workspaceId), id, sessionId))) throw notFound('Session not found.');
  }

  async revokeAllSessions(workspaceId: string, id: string): Promise<void> {
    await this.appUsers.getById(workspaceId, id);
    await this.refreshTokens.revokeAllOf(appUserRealm(workspaceId), id);
  }

  private async assertAssignable(workspaceId: string, role: string): Promise<void> {
    if (!(await this.policies.assignableRole(workspaceId, role))) {
      throw invalidPayload(`Invalid payload: there is no app role "${role}" to give; create it under /roles first.`, 'role');
    }
  }
}
