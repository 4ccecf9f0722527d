import { randomUUID } from 'node:crypto';
import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { MESSAGE_BUS, MessageBus } from '../../common/bus/bus';
import { EvictedCache } from '../../common/cache/evicted-cache';
import { Database } from '../../common/database/database.service';
import { forbidden, invalidToken, notFound } from '../../common/errors/app-error';
import { API_KEY_PREFIX } from '../credentials/access-tokens';
import type { Principal } from '../../common/principal/principal';
import { hashSecret, newSecret } from '../credentials/secret-hash';
import { hasRole, WorkspaceRole } from '../workspaces/workspace-roles';
import type { WorkspaceAccess } from '../workspaces/workspaces.service';
import { ApiKeyEntity } from './api-key.entity';

const SHOWN_PREFIX_LENGTH = 12;

/** Workspace API keys: made, listed, revoked, and turned back into a principal on each request. */
@Injectable()
export class ApiKeysService implements OnModuleInit, OnModuleDestroy {
  /** Keys by hash, as every request with a key looks them up; a revoked key is evicted everywhere. */
  private readonly byHash: EvictedCache<ApiKeyEntity>;

  constructor(
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
    private readonly db: Database,
    @Inject(MESSAGE_BUS) bus: MessageBus,
  ) {
    this.byHash = new EvictedCache(bus, 'cache.api-keys', { ttlMs: 2_000, max: 50_000 });
  }

  onModuleInit(): Promise<void> {
    return this.byHash.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.byHash.close();
  }

  async authenticate(key: string): Promise<Principal> {
    const keyHash = hashSecret(key);
    const stored = await this.byHash.get(keyHash, () => this.keys.findOneBy({ keyHash }));
    if (!stored) throw invalidToken('Invalid API key.');
    return { kind: 'api_key', apiKeyId: stored.id, workspaceId: stored.workspaceId, role: stored.role };
  }

  list(access: WorkspaceAccess): Promise<ApiKeyEntity[]> {
    return this.keys.find({ where: { workspaceId: access.workspace.id }, order: { createdAt: 'ASC' } });
  }

  /** Makes a key with at most the creator's own role; returns the key itself this once. */
  async create(access: WorkspaceAccess, name: string, role: WorkspaceRole): Promise<{ entity: ApiKeyEntity; key: string }> {
    if (!hasRole(access.role, role)) throw forbidden('An API key cannot have a higher role than its creator.');
    const key = newSecret(API_KEY_PREFIX);
    const entity = this.keys.create({
      id: randomUUID(),
      workspaceId: access.workspace.id,
      name,
      role,
      keyPrefix: key.slice(0, SHOWN_PREFIX_LENGTH),
      keyHash: hashSecret(key),
      createdBy: access.principal.kind === 'user' ? access.principal.userId : null,
      createdAt: new Date(),
      lastUsedAt: null,
    });
    await this.db.transaction((manager) => manager.getRepository(ApiKeyEntity).insert(entity));
    return { entity, key };
  }

  /** A key of the workspace by its id, or null. */
  findById(workspaceId: string, id: string): Promise<ApiKeyEntity | null> {
    return this.keys.findOneBy({ id, workspaceId });
  }

  async revoke(access: WorkspaceAccess, id: string): Promise<void> {
    const revoked = await this.db.transaction(async (manager) => {
      const repo = manager.getRepository(ApiKeyEntity);
      const key = await repo.findOneBy({ id, workspaceId: access.workspace.id });
      if (key) await repo.delete({ id: key.id });
      return key;
    });
    if (!revoked) throw notFound('API key not found.');
    await this.byHash.evict(revoked.keyHash);
  }
}
