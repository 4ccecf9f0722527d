import { randomUUID } from 'node:crypto';
import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { MESSAGE_BUS, MessageBus } from '../../common/bus/bus';
import { EvictedCache } from '../../common/cache/evicted-cache';
import { Database } from '../../common/database/database.service';
import { conflict, forbidden, notFound } from '../../common/errors/app-error';
import type { ServerConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { hashSecret } from '../credentials/secret-hash';
import { SetupTokenEntity } from './setup-token.entity';
import { UserEntity, UserStatus } from './user.entity';

export interface NewAccount {
  email: string;
  passwordHash: string;
  name?: string | null;
}

/** What lets an account be created: a setup token or the environment for the first, a rule for the others. */
export interface Admission {
  /** The setup token the caller presents; looked at only when the account would be the first. */
  setupToken?: string;
  /** The first account configured by CAIRN_ADMIN_EMAIL and CAIRN_ADMIN_PASSWORD, made at start. */
  fromEnvironment?: boolean;
  /**
   * A superadmin made by the instance's operator, who has the database itself (`cairn admin create`):
   * no setup token is needed, and the account is a superadmin even when it is not the first.
   */
  byOperator?: boolean;
  /** Why an account that is not the first is refused (403); null: it may be made. */
  ordinaryRefusal: string | null;
}

/** Platform accounts: the one place that reads and writes cairn_users. */
@Injectable()
export class UsersService implements OnModuleInit, OnModuleDestroy {
  /** Accounts as the request guard reads them on every request; evicted when one changes. */
  private readonly active: EvictedCache<UserEntity>;

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly db: Database,
    @Inject(MESSAGE_BUS) bus: MessageBus,
    @InjectConfig('server') private readonly config: ServerConfig,
  ) {
    this.active = new EvictedCache(bus, 'cache.users', { ttlMs: 2_000, max: 50_000 });
  }

  onModuleInit(): Promise<void> {
    return this.active.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.active.close();
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  /** The account behind an access token, from the cache when it is fresh. */
  findForToken(id: string): Promise<UserEntity | null> {
    return this.active.get(id, () => this.findById(id));
  }

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ email: normalizeEmail(email) });
  }

  async getById(id: string): Promise<UserEntity> {
    const user = await this.findById(id);
    if (!user) throw notFound('User not found.');
    return user;
  }

  list(): Promise<UserEntity[]> {
    return this.users.find({ order: { createdAt: 'ASC' } });
  }

  /**
   * Creates an account. The first account of the instance becomes its superadmin, and only with a setup
   * token that is pending (or from the environment at start); a later one only when `admission` lets
   * ordinary accounts in; the operator's (`byOperator`) always, as a superadmin. The setup tokens are locked first, so of two first registrations racing one
   * makes the superadmin and the other, finding an account, is judged as a later one.
   */
  async create(input: NewAccount, admission: Admission): Promise<UserEntity> {
    return this.db.rowLockingTransaction(async (manager) => {
      const tokens = manager.getRepository(SetupTokenEntity);
      const pending = await this.db.forUpdate(tokens.createQueryBuilder('t').select('t.token_hash', 'token_hash')).getRawMany<{ token_hash: string }>();
      const repo = manager.getRepository(UserEntity);
      const isFirst = (await repo.count()) === 0;
      if (isFirst) {
        const presented = admission.setupToken ? hashSecret(admission.setupToken) : null;
        if (!admission.fromEnvironment && !admission.byOperator && !pending.some((token) => token.token_hash === presented)) throw setupTokenRequired(this.config.publicUrl);
        await tokens.createQueryBuilder().delete().execute();
      } else if (admission.ordinaryRefusal !== null && !admission.byOperator) {
        throw forbidden(admission.ordinaryRefusal);
      }
      const email = normalizeEmail(input.email);
      if (await repo.existsBy({ email })) throw conflict('An account with this email already exists.', { field: 'email' });
      const now = new Date();
      return repo.save(
        repo.create({ id: randomUUID(), email, passwordHash: input.passwordHash, name: input.name ?? null, isSuperadmin: isFirst || admission.byOperator === true, status: 'active', createdAt: now, updatedAt: now }),
      );
    });
  }

  /** Adds a setup token (its hash) that lets the first account register; an instance with accounts needs none. */
  async addSetupToken(token: string): Promise<void> {
    await this.db.transaction((manager) => manager.createQueryBuilder().insert().into(SetupTokenEntity).values({ tokenHash: hashSecret(token), createdAt: new Date() }).orIgnore().execute());
  }

  /** Deletes setup tokens left from a start before the first account existed. */
  async clearSetupTokens(): Promise<void> {
    await this.db.transaction((manager) => manager.createQueryBuilder().delete().from(SetupTokenEntity).execute());
  }

  async count(): Promise<number> {
    return this.users.count();
  }

  async update(id: string, changes: { status?: UserStatus; name?: string; passwordHash?: string }): Promise<UserEntity> {
    return this.db.transaction(async (manager) => {
      const repo = manager.getRepository(UserEntity);
      const user = await repo.findOneBy({ id });
      if (!user) throw notFound('User not found.');
      Object.assign(user, Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)), { updatedAt: new Date() });
      return repo.save(user);
    }).finally(() => this.active.evict(id));
  }

  /** Deletes an account with its memberships and sessions, unless it is the last owner of a workspace. */
  async remove(id: string): Promise<void> {
    await this.db.transaction(async (manager) => {
      if (!(await manager.getRepository(UserEntity).existsBy({ id }))) throw notFound('User not found.');
      const soleOwnerships: unknown[] = await manager
        .createQueryBuilder()
        .select('m.workspace_id')
        .from('cairn_workspace_members', 'm')
        .where("m.user_id = :id AND m.role = 'owner'", { id })
        .andWhere("NOT EXISTS (SELECT 1 FROM cairn_workspace_members o WHERE o.workspace_id = m.workspace_id AND o.role = 'owner' AND o.user_id <> :id)", { id })
        .getRawMany();
      if (soleOwnerships.length > 0) throw conflict('This account is the last owner of a workspace; transfer or delete the workspace first.');
      await manager.createQueryBuilder().delete().from('cairn_refresh_tokens').where("realm = 'platform' AND subject_id = :id", { id }).execute();
      await manager.getRepository(UserEntity).delete({ id });
    });
    await this.active.evict(id);
  }
}

/** The refusal of a first registration without the pending setup token. */
function setupTokenRequired(publicUrl: string) {
  return forbidden(
    `This instance has no account yet: registering its first (superadmin) account needs the one-time setup token that Cairn printed in its log at start, ` +
      `in the URL ${publicUrl}/admin/setup?token=… (or CAIRN_SETUP_TOKEN when the operator set one). Send it as "setup_token".`,
  );
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
