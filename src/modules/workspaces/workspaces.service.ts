import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { MESSAGE_BUS, MessageBus } from '../../common/bus/bus';
import { EvictedCache } from '../../common/cache/evicted-cache';
import { Database } from '../../common/database/database.service';
import { conflict, forbidden, invalidToken, notFound } from '../../common/errors/app-error';
import { appUserRealm } from '../credentials/access-tokens';
import type { AppUserPrincipal, Principal, UserPrincipal } from '../../common/principal/principal';
import { CreateWorkspaceDto, SLUG_PATTERN, UpdateWorkspaceDto, WorkspaceDto } from './workspace.dto';
import { MemberEntity, WorkspaceEntity } from './workspace.entity';
import type { WorkspaceRole } from './workspace-roles';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A caller's standing in one workspace, resolved once per request by the access guard. */
export interface WorkspaceAccess {
  workspace: WorkspaceEntity;
  role: WorkspaceRole;
  principal: Principal;
  /** Set on the items() calls of a handler run: how deeply they are nested in runs (handler-depth.ts). */
  handlerDepth?: number;
}

/**
 * The access of a caller who is not a member: an app user with its app role, or an anonymous caller
 * with the built-in `public` role. What it may do is what the role's policies grant.
 */
export interface AppRoleAccess {
  workspace: WorkspaceEntity;
  appRole: string;
  principal: AppUserPrincipal | null;
  /** Set on the items() calls of a handler run: how deeply they are nested in runs (handler-depth.ts). */
  handlerDepth?: number;
}

/** Who may reach the items: members by their workspace role, everybody else by policies. */
export type ItemsAccess = WorkspaceAccess | AppRoleAccess;

export function isAppRoleAccess(access: ItemsAccess): access is AppRoleAccess {
  return 'appRole' in access;
}

/** Workspaces and who may act in them. */
@Injectable()
export class WorkspacesService implements OnModuleInit, OnModuleDestroy {
  /**
   * Workspaces by id and by slug, and roles by workspace and account: every workspace request reads
   * them. Any change to a workspace (its schema version included), or to a membership, evicts them.
   */
  private readonly byRef: EvictedCache<WorkspaceEntity>;
  private readonly roles: EvictedCache<{ role: WorkspaceRole }>;

  constructor(
    @InjectRepository(WorkspaceEntity) private readonly workspaces: Repository<WorkspaceEntity>,
    @InjectRepository(MemberEntity) private readonly members: Repository<MemberEntity>,
    private readonly db: Database,
    @Inject(MESSAGE_BUS) bus: MessageBus,
  ) {
    this.byRef = new EvictedCache(bus, 'cache.workspaces', { ttlMs: 2_000, max: 20_000 });
    this.roles = new EvictedCache(bus, 'cache.workspace-roles', { ttlMs: 2_000, max: 100_000 });
  }

  async onModuleInit(): Promise<void> {
    await Promise.all([this.byRef.start(), this.roles.start()]);
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([this.byRef.close(), this.roles.close()]);
  }

  /** Finds a workspace by id or slug; a ref that could be neither names none, without a query. */
  findByRef(ref: string): Promise<WorkspaceEntity | null> {
    if (!UUID.test(ref) && !SLUG_PATTERN.test(ref)) return Promise.resolve(null);
    const key = UUID.test(ref) ? ref.toLowerCase() : ref;
    return this.byRef.get(key, () => this.workspaces.findOneBy(UUID.test(ref) ? { id: key } : { slug: ref }));
  }

  /** Forgets a workspace here and on every instance, after it (or its schema) changed. */
  evictWorkspace(workspace: Pick<WorkspaceEntity, 'id' | 'slug'>, ...formerSlugs: string[]): Promise<void> {
    return this.byRef.evict(workspace.id, workspace.slug, ...formerSlugs);
  }

  /** Forgets an account's role in a workspace, after its membership changed. */
  evictRole(workspaceId: string, userId: string): Promise<void> {
    return this.roles.evict(`${workspaceId}:${userId}`);
  }

  /**
   * The caller's role in a workspace. A workspace the caller is not a member of answers 404, like one
   * that does not exist, so workspaces cannot be probed; an API key used outside its workspace is an
   * invalid credential there (401).
   */
  async resolveAccess(principal: Principal, ref: string): Promise<WorkspaceAccess> {
    const workspace = await this.findByRef(ref);
    if (principal.kind === 'api_key') {
      if (!workspace || workspace.id !== principal.workspaceId) throw invalidToken('This API key is not valid for this workspace.');
      return { workspace, role: principal.role, principal };
    }
    if (principal.kind === 'app_user') {
      if (!workspace || workspace.id !== principal.workspaceId) throw invalidToken('This token is not valid for this workspace.');
      // App users act through their app role's policies, which the member routes do not take.
      throw forbidden('App users cannot use this route.');
    }
    // A flow's access is made by the flow runner, never resolved from a request.
    if (principal.kind === 'flow') throw invalidToken('A flow cannot call the API.');
    if (!workspace) throw notFound('Workspace not found.');
    if (principal.isSuperadmin) return { workspace, role: 'owner', principal };
    const membership = await this.roles.get(`${workspace.id}:${principal.userId}`, () => this.members.findOneBy({ workspaceId: workspace.id, userId: principal.userId }));
    if (!membership) throw notFound('Workspace not found.');
    return { workspace, role: membership.role, principal };
  }

  /**
   * The access of any caller to a workspace's items: members and API keys by their role, app users
   * and anonymous callers (null) by their app role.
   */
  resolveItemsAccess(principal: Principal | null, ref: string): Promise<ItemsAccess> {
    if (!principal || principal.kind === 'app_user') return this.resolveAppRoleAccess(principal, ref);
    return this.resolveAccess(principal, ref);
  }

  /** The access of an app user or an anonymous caller (null) to a workspace, by app role. */
  async resolveAppRoleAccess(principal: AppUserPrincipal | null, ref: string): Promise<AppRoleAccess> {
    const workspace = await this.findByRef(ref);
    if (principal) {
      if (!workspace || workspace.id !== principal.workspaceId) throw invalidToken('This token is not valid for this workspace.');
      return { workspace, appRole: principal.role, principal };
    }
    if (!workspace) throw notFound('Workspace not found.');
    return { workspace, appRole: 'public', principal: null };
  }

  /** The workspaces a caller can see, with its role in each. */
  async listFor(principal: Principal): Promise<WorkspaceDto[]> {
    if (principal.kind === 'api_key') {
      const workspace = await this.workspaces.findOneBy({ id: principal.workspaceId });
      return workspace ? [toWorkspaceDto(workspace, principal.role)] : [];
    }
    if (principal.kind === 'app_user' || principal.kind === 'flow') return [];
    if (principal.isSuperadmin) {
      return (await this.workspaces.find({ order: { createdAt: 'ASC' } })).map((workspace) => toWorkspaceDto(workspace, 'owner'));
    }
    const memberships = await this.members.findBy({ userId: principal.userId });
    const roles = new Map(memberships.map((m) => [m.workspaceId, m.role]));
    const workspaces = await this.workspaces.find({ where: { id: In([...roles.keys()]) }, order: { createdAt: 'ASC' } });
    return workspaces.map((workspace) => toWorkspaceDto(workspace, roles.get(workspace.id)!));
  }

  /** Creates a workspace whose first owner is its creator. */
  async create(creator: UserPrincipal, input: CreateWorkspaceDto): Promise<WorkspaceEntity> {
    return this.db.transaction(async (manager) => {
      const repo = manager.getRepository(WorkspaceEntity);
      let slug = input.slug ?? slugify(input.name);
      if (await repo.existsBy({ slug })) {
        if (input.slug) throw conflict(`A workspace with the slug "${slug}" already exists.`, { field: 'slug' });
        slug = `${slug.slice(0, 56)}-${randomBytes(3).toString('hex')}`;
      }
      const now = new Date();
      const workspace = repo.create({ id: randomUUID(), slug, name: input.name, appUrl: null, createdBy: creator.userId, schemaVersion: 0, createdAt: now, updatedAt: now });
      await repo.insert(workspace);
      await manager.getRepository(MemberEntity).insert({ id: randomUUID(), workspaceId: workspace.id, userId: creator.userId, role: 'owner', createdAt: now, updatedAt: now });
      return workspace;
    }).then(async (workspace) => {
      await Promise.all([this.evictWorkspace(workspace), this.evictRole(workspace.id, creator.userId)]);
      return workspace;
    });
  }

  async update(workspace: WorkspaceEntity, input: UpdateWorkspaceDto): Promise<WorkspaceEntity> {
    return this.db.transaction(async (manager) => {
      const repo = manager.getRepository(WorkspaceEntity);
      if (input.slug && input.slug !== workspace.slug && (await repo.existsBy({ slug: input.slug }))) {
        throw conflict(`A workspace with the slug "${input.slug}" already exists.`, { field: 'slug' });
      }
      const appUrl = input.app_url === undefined ? workspace.appUrl : input.app_url;
      const changed = { ...workspace, name: input.name ?? workspace.name, slug: input.slug ?? workspace.slug, appUrl, updatedAt: new Date() };
      await repo.update({ id: workspace.id }, { name: changed.name, slug: changed.slug, appUrl, updatedAt: changed.updatedAt });
      return changed;
    }).finally(() => this.evictWorkspace(workspace, input.slug ?? workspace.slug));
  }

  /**
   * Deletes a workspace with everything in it. Its rows go first, in one transaction (members, API keys,
   * app users and registry follow by cascading foreign keys; activity and revisions, which have none, are
   * deleted here); then its collections' tables, with the foreign keys between them dropped first so they
   * can go in any order. Should that second step fail, what remains is tables nothing refers to, never a
   * half-deleted workspace.
   */
  async remove(workspace: WorkspaceEntity): Promise<void> {
    const rows: Array<{ table_name: string }> = await this.db.dataSource
      .createQueryBuilder()
      .select('c.table_name', 'table_name')
      .from('cairn_collections', 'c')
      .where('c.workspace_id = :id', { id: workspace.id })
      .getRawMany();
    await this.db.transaction(async (manager) => {
      await manager.createQueryBuilder().delete().from('cairn_refresh_tokens').where('realm = :realm', { realm: appUserRealm(workspace.id) }).execute();
      // MySQL refuses a cascading delete that sets null in the same table it deletes from (a folder's
      // parent, ON DELETE SET NULL): the folders let go of each other first.
      await manager.createQueryBuilder().update('cairn_folders').set({ parent: null }).where('workspace_id = :id AND parent IS NOT NULL', { id: workspace.id }).execute();
      for (const table of ['cairn_revisions', 'cairn_activity']) await manager.createQueryBuilder().delete().from(table).where('workspace_id = :id', { id: workspace.id }).execute();
      await manager.getRepository(WorkspaceEntity).delete({ id: workspace.id });
    });
    await this.evictWorkspace(workspace);
    if (rows.length === 0) return;
    await this.db.schemaChange(async (manager) => {
      const runner = manager.queryRunner!;
      const tables = rows.map((row) => row.table_name);
      for (const name of tables) {
        const table = await runner.getTable(name);
        if (table && table.foreignKeys.length > 0) await runner.dropForeignKeys(table, table.foreignKeys);
      }
      for (const name of tables) await runner.dropTable(name, true);
    });
  }
}

export function toWorkspaceDto(workspace: WorkspaceEntity, role: WorkspaceRole): WorkspaceDto {
  return {
    id: workspace.id,
    slug: workspace.slug,
    name: workspace.name,
    app_url: workspace.appUrl,
    role,
    created_at: workspace.createdAt.toISOString(),
    updated_at: workspace.updatedAt.toISOString(),
  };
}

/** A slug made from a name: lowercase ASCII letters, digits and dashes. */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/g, '');
  return SLUG_PATTERN.test(slug) && !UUID.test(slug) ? slug : `workspace-${randomBytes(3).toString('hex')}`;
}
