import { randomUUID } from 'node:crypto';
import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { MESSAGE_BUS, MessageBus } from '../../common/bus/bus';
import { EvictedCache } from '../../common/cache/evicted-cache';
import { conflict, invalidCredentials, invalidPayload, invalidToken, notFound } from '../../common/errors/app-error';
import { InjectConfig } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config';
import { ACCESS_TOKEN_ALGORITHM } from '../auth/access-tokens';
import { MAX_PASSWORD_BYTES } from '../auth/auth.dto';
import { PasswordHasher } from '../auth/password-hasher';
import { RefreshTokensService } from '../auth/refresh-tokens.service';
import { AppRoleEntity, BUILT_IN_ROLES } from '../policies/policy.entities';
import { normalizeEmail } from '../users/users.service';
import type { WorkspaceEntity } from '../workspaces/workspace.entity';
import { AppUserDto, AppUserEntity, toAppUserDto } from './app-user.entity';

/** The audience of a workspace's app-user access tokens: a token of one workspace is refused by every other. */
export function appAudience(workspaceId: string): string {
  return `cairn:ws:${workspaceId}`;
}

/** The realm of a workspace's app-user refresh tokens: its id, under which deleting the workspace deletes them. */
function realm(workspaceId: string): string {
  return workspaceId;
}

export interface AppSession {
  access_token: string;
  refresh_token: string;
  expires: number;
  user: AppUserDto;
}

/**
 * App users: sign-up, sign-in and sessions in one workspace, with the platform's rules (bcrypt,
 * single-use rotating refresh tokens, family revocation on reuse), and their management by the
 * workspace's admins. The user is read on every request (briefly cached, evicted on change), so a
 * suspended or deleted user's tokens stop working at once.
 */
@Injectable()
export class AppUsersService implements OnModuleInit, OnModuleDestroy {
  private readonly active: EvictedCache<AppUserEntity>;

  constructor(
    @InjectRepository(AppUserEntity) private readonly users: Repository<AppUserEntity>,
    @InjectRepository(AppRoleEntity) private readonly roles: Repository<AppRoleEntity>,
    private readonly passwords: PasswordHasher,
    private readonly refreshTokens: RefreshTokensService,
    private readonly jwt: JwtService,
    @InjectConfig() private readonly config: AppConfig,
    @Inject(MESSAGE_BUS) bus: MessageBus,
  ) {
    this.active = new EvictedCache(bus, 'cache.app-users', { ttlMs: 2_000, max: 100_000 });
  }

  onModuleInit(): Promise<void> {
    return this.active.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.active.close();
  }

  findForToken(id: string): Promise<AppUserEntity | null> {
    return this.active.get(id, () => this.users.findOneBy({ id }));
  }

  /** Signs a user up with the `authenticated` role; a session comes from login, as on the platform. */
  async register(workspace: WorkspaceEntity, email: string, password: string): Promise<AppUserEntity> {
    if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES) throw invalidPayload(`Invalid payload: password must be at most ${MAX_PASSWORD_BYTES} bytes.`, 'password');
    const normalized = normalizeEmail(email);
    if (await this.users.existsBy({ workspaceId: workspace.id, email: normalized })) throw conflict('A user with this email already exists.', { field: 'email' });
    const now = new Date();
    const user = this.users.create({
      id: randomUUID(),
      workspaceId: workspace.id,
      email: normalized,
      passwordHash: await this.passwords.hash(password),
      role: 'authenticated',
      status: 'active',
      emailVerifiedAt: null,
      createdAt: now,
      updatedAt: now,
    });
    await this.users.insert(user);
    return user;
  }

  /** An unknown email, a wrong password and a suspended user answer alike. */
  async login(workspace: WorkspaceEntity, email: string, password: string): Promise<AppSession> {
    const user = await this.users.findOneBy({ workspaceId: workspace.id, email: normalizeEmail(email) });
    const valid = await this.passwords.verify(password, user?.passwordHash ?? null);
    if (!user || !valid || user.status !== 'active') throw invalidCredentials();
    return this.session(user, (await this.refreshTokens.issue(realm(workspace.id), user.id)).token);
  }

  async refresh(workspace: WorkspaceEntity, refreshToken: string): Promise<AppSession> {
    const next = await this.refreshTokens.rotate(realm(workspace.id), refreshToken);
    const user = await this.users.findOneBy({ id: next.subjectId, workspaceId: workspace.id });
    if (!user || user.status !== 'active') {
      await this.refreshTokens.revokeAllOf(realm(workspace.id), next.subjectId);
      throw invalidToken('The user of this session is no longer active.');
    }
    return this.session(user, next.token);
  }

  async logout(workspace: WorkspaceEntity, refreshToken: string): Promise<void> {
    await this.refreshTokens.revokeFamilyOf(realm(workspace.id), refreshToken);
  }

  async get(workspace: Pick<WorkspaceEntity, 'id'>, id: string): Promise<AppUserEntity> {
    const user = await this.users.findOneBy({ id, workspaceId: workspace.id });
    if (!user) throw notFound('App user not found.');
    return user;
  }

  list(workspace: Pick<WorkspaceEntity, 'id'>): Promise<AppUserEntity[]> {
    return this.users.find({ where: { workspaceId: workspace.id }, order: { createdAt: 'ASC' } });
  }

  /** Changes a user's role or status; a suspension also ends its sessions. Takes effect on its next request. */
  async update(workspace: Pick<WorkspaceEntity, 'id'>, id: string, body: unknown): Promise<AppUserEntity> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidPayload('Invalid payload: the request body must be a JSON object.');
    const user = await this.get(workspace, id);
    for (const [key, value] of Object.entries(body)) {
      if (key === 'role') {
        const known = (BUILT_IN_ROLES as readonly string[]).includes(String(value)) && value !== 'public';
        if (typeof value !== 'string' || !(known || (await this.roles.existsBy({ workspaceId: workspace.id, name: value })))) {
          throw invalidPayload(`Invalid payload: there is no app role "${String(value)}" to give.`, 'role');
        }
        user.role = value;
      } else if (key === 'status') {
        if (value !== 'active' && value !== 'suspended') throw invalidPayload('Invalid payload: "status" must be active or suspended.', 'status');
        user.status = value;
      } else {
        throw invalidPayload(`Invalid payload: "${key}" cannot be changed here.`, key);
      }
    }
    user.updatedAt = new Date();
    await this.users.save(user);
    if (user.status !== 'active') await this.refreshTokens.revokeAllOf(realm(workspace.id), user.id);
    await this.active.evict(user.id);
    return user;
  }

  async remove(workspace: Pick<WorkspaceEntity, 'id'>, id: string): Promise<void> {
    const user = await this.get(workspace, id);
    await this.refreshTokens.revokeAllOf(realm(workspace.id), user.id);
    await this.users.delete({ id: user.id });
    await this.active.evict(user.id);
  }

  private async session(user: AppUserEntity, refreshToken: string): Promise<AppSession> {
    const ttlSeconds = Math.max(1, Math.round(this.config.auth.accessTokenTtlMs / 1000));
    const accessToken = await this.jwt.signAsync(
      { sub: user.id },
      { algorithm: ACCESS_TOKEN_ALGORITHM, audience: appAudience(user.workspaceId), issuer: this.config.auth.jwtIssuer, expiresIn: ttlSeconds, secret: this.config.auth.jwtSecret },
    );
    return { access_token: accessToken, refresh_token: refreshToken, expires: ttlSeconds * 1000, user: toAppUserDto(user) };
  }
}
