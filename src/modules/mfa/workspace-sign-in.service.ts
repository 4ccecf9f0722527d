import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { MESSAGE_BUS, MessageBus } from '../../common/bus/bus';
import { EvictedCache } from '../../common/cache/evicted-cache';
import { Clock } from '../../common/clock/clock';
import { Database } from '../../common/database/database.service';
import { WorkspaceSignInEntity } from './mfa.entities';

export interface WorkspaceSignInRules {
  /** Members must have MFA to use the workspace. */
  requireMfaMembers: boolean;
  /** App users must have MFA to use the workspace. */
  requireMfaAppUsers: boolean;
  /** App users may sign in by a link mailed to them. */
  appUserMagicLinks: boolean;
}

const DEFAULT_RULES: WorkspaceSignInRules = { requireMfaMembers: false, requireMfaAppUsers: false, appUserMagicLinks: false };

/** Each workspace's sign-in rules, cached briefly (the enforcement guard reads them on every request) and evicted everywhere on change. */
@Injectable()
export class WorkspaceSignInService implements OnModuleInit, OnModuleDestroy {
  private readonly cache: EvictedCache<WorkspaceSignInRules>;

  constructor(
    @InjectRepository(WorkspaceSignInEntity) private readonly rules: Repository<WorkspaceSignInEntity>,
    private readonly db: Database,
    private readonly clock: Clock,
    @Inject(MESSAGE_BUS) bus: MessageBus,
  ) {
    this.cache = new EvictedCache(bus, 'cache.workspace-sign-in', { ttlMs: 2_000, max: 20_000 });
  }

  async onModuleInit(): Promise<void> {
    await this.cache.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.cache.close();
  }

  async of(workspaceId: string): Promise<WorkspaceSignInRules> {
    const found = await this.cache.get(workspaceId, async () => {
      const row = await this.rules.findOneBy({ workspaceId });
      return row ? { requireMfaMembers: row.requireMfaMembers, requireMfaAppUsers: row.requireMfaAppUsers, appUserMagicLinks: row.appUserMagicLinks } : null;
    });
    return found ?? DEFAULT_RULES;
  }

  async update(workspaceId: string, change: Partial<WorkspaceSignInRules>): Promise<WorkspaceSignInRules> {
    const next = { ...(await this.of(workspaceId)), ...change };
    await this.db.transaction((manager) => manager.getRepository(WorkspaceSignInEntity).save({ workspaceId, ...next, updatedAt: this.clock.date() }));
    await this.cache.evict(workspaceId);
    return next;
  }
}
