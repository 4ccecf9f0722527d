import { randomUUID } from 'node:crypto';
import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { MESSAGE_BUS, MessageBus } from '../../common/bus/bus';
import { EvictedCache } from '../../common/cache/evicted-cache';
import { Clock } from '../../common/clock/clock';
import { Database } from '../../common/database/database.service';
import { conflict, notFound } from '../../common/errors/app-error';
import { appUserRealm } from '../credentials/access-tokens';
import { normalizeEmail } from '../users/users.service';
import { AppUserEntity, AppUserStatus, DEFAULT_APP_ROLE } from './app-user.entity';

export interface AppUserChanges {
  role?: string;
  status?: AppUserStatus;
  passwordHash?: string;
  emailVerifiedAt?: Date;
}

/** App users of every workspace: the one place that reads and writes cairn_app_users. */
@Injectable()
export class AppUsersService implements OnModuleInit, OnModuleDestroy {
  /** App users as the request guard reads them on every request; evicted when one changes. */
  private readonly active: EvictedCache<AppUserEntity>;

  constructor(
    @InjectRepository(AppUserEntity) private readonly appUsers: Repository<AppUserEntity>,
    private readonly db: Database,
    private readonly clock: Clock,
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

  /** The app user behind an access token, from the cache when it is fresh. */
  findForToken(id: string): Promise<AppUserEntity | null> {
    return this.active.get(id, () => this.appUsers.findOneBy({ id }));
  }

  findById(workspaceId: string, id: string): Promise<AppUserEntity | null> {
    return this.appUsers.findOneBy({ workspaceId, id });
  }

  findByEmail(workspaceId: string, email: string): Promise<AppUserEntity | null> {
    return this.appUsers.findOneBy({ workspaceId, email: normalizeEmail(email) });
  }

  async getById(workspaceId: string, id: string): Promise<AppUserEntity> {
    const appUser = await this.findById(workspaceId, id);
    if (!appUser) throw notFound('App user not found.');
    return appUser;
  }

  /** A workspace's app users, oldest first; with `search`, only those whose email contains it (any case). */
  list(workspaceId: string, search?: string): Promise<AppUserEntity[]> {
    const query = this.appUsers.createQueryBuilder('app_user').where('app_user.workspaceId = :workspaceId', { workspaceId });
    // Emails are stored lower-cased, so lower-casing the search makes it case-insensitive on every database.
    if (search) query.andWhere("app_user.email LIKE :pattern ESCAPE '!'", { pattern: `%${escapeLike(search.toLowerCase())}%` });
    return query.orderBy('app_user.createdAt', 'ASC').addOrderBy('app_user.id', 'ASC').getMany();
  }

  /** Creates an app user, with the default app role unless given one; an email is taken once per workspace. */
  create(workspaceId: string, input: { email: string; passwordHash: string; role?: string }): Promise<AppUserEntity> {
    return this.db.transaction(async (manager) => {
      const repo = manager.getRepository(AppUserEntity);
      const email = normalizeEmail(input.email);
      if (await repo.existsBy({ workspaceId, email })) throw conflict('An app user with this email already exists.', { field: 'email' });
      const now = this.clock.date();
      const appUser = repo.create({
        id: randomUUID(),
        workspaceId,
        email,
        passwordHash: input.passwordHash,
        role: input.role ?? DEFAULT_APP_ROLE,
        emailVerifiedAt: null,
        passwordChangedAt: null,
        status: 'active',
        createdAt: now,
        updatedAt: now,
      });
      await repo.insert(appUser);
      return appUser;
    });
  }

  async update(workspaceId: string, id: string, changes: AppUserChanges): Promise<AppUserEntity> {
    return this.db.transaction(async (manager) => {
      const repo = manager.getRepository(AppUserEntity);
      const appUser = await repo.findOneBy({ workspaceId, id });
      if (!appUser) throw notFound('App user not found.');
      const now = this.clock.date();
      Object.assign(appUser, Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)), { updatedAt: now });
      if (changes.passwordHash !== undefined) appUser.passwordChangedAt = now;
      await repo.update(
        { id },
        { role: appUser.role, status: appUser.status, passwordHash: appUser.passwordHash, emailVerifiedAt: appUser.emailVerifiedAt, passwordChangedAt: appUser.passwordChangedAt, updatedAt: now },
      );
      return appUser;
    }).finally(() => this.active.evict(id));
  }

  /** Deletes an app user with its sessions. */
  async remove(workspaceId: string, id: string): Promise<void> {
    await this.db.transaction(async (manager) => {
      const deleted = await manager.getRepository(AppUserEntity).delete({ workspaceId, id });
      if (!deleted.affected) throw notFound('App user not found.');
      await manager.createQueryBuilder().delete().from('cairn_refresh_tokens').where('realm = :realm AND subject_id = :id', { realm: appUserRealm(workspaceId), id }).execute();
    });
    await this.active.evict(id);
  }
}

/** A LIKE pattern that matches `text` literally, with `!` as the escape character. */
function escapeLike(text: string): string {
  return text.replace(/[!%_]/g, (char) => `!${char}`);
}
