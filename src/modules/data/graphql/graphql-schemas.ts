import { listedCollections } from '../../schema/relation-targets';
import { Injectable } from '@nestjs/common';
import type { GraphQLSchema } from 'graphql';
import { LRUCache } from 'lru-cache';
import { appCaller, PoliciesService } from '../../policies/policies.service';
import type { ReadPermissions } from '../../policies/read-permissions';
import { SchemaRegistry } from '../../schema/schema.registry';
import type { WorkspaceSchema } from '../../schema/schema.types';
import { memberMay, WorkspaceRole } from '../../workspaces/workspace-roles';
import { AppRoleAccess, isAppRoleAccess, ItemsAccess } from '../../workspaces/workspaces.service';
import { VirtualCollectionInfo, VirtualCollections } from '../virtual-collections';
import { GraphQLItemOperations } from './graphql-operations';
import { buildGraphQLSchema, GraphQLView } from './graphql-schema.factory';

/** Members' schemas kept at once: one or two per workspace in use (readers, writers). */
const MEMBER_SCHEMAS = 1_000;

/** The actions a member's schema has mutations for, where its role allows them. */
const WRITE_ACTIONS = ['create', 'update', 'delete'] as const;

/**
 * Each caller's GraphQL schema, built from the registry and its permissions and kept while they hold.
 * Members' schemas are keyed by the workspace's schema version, and what their role may write; an app role's
 * by its compiled permissions, which the policy engine rebuilds when the schema or a policy changes
 * (on every instance, through the bus). Both are keyed by the workspace's views' stamp too, which
 * changes when a view is created, changed or deleted (the views' cache is evicted on every instance
 * through the bus). So a change shows in the next request, without a restart.
 */
@Injectable()
export class GraphQLSchemas {
  private readonly members = new LRUCache<string, GraphQLSchema>({ max: MEMBER_SCHEMAS });
  private readonly appRoles = new WeakMap<ReadPermissions, { views: string; built: GraphQLSchema }>();

  constructor(
    private readonly registry: SchemaRegistry,
    private readonly policies: PoliciesService,
    private readonly operations: GraphQLItemOperations,
    private readonly virtual: VirtualCollections,
  ) {}

  async forAccess(access: ItemsAccess): Promise<GraphQLSchema> {
    const schema = await this.registry.forWorkspace(access.workspace);
    // Read before the views are described: a view changed in between leaves a stale stamp, so the next request rebuilds.
    const views = await this.virtual.stamp(schema.workspaceId);
    if (!isAppRoleAccess(access)) {
      // Roles that may do the same share a schema.
      const may = WRITE_ACTIONS.filter((action) => memberMay(access.role, action)).join('+');
      const key = `${schema.workspaceId}:${schema.version}:${may}:${views}`;
      let built = this.members.get(key);
      if (!built) {
        const { collections } = await this.virtual.describe(schema);
        built = buildGraphQLSchema(memberView(schema, access.role, collections), this.operations);
        this.members.set(key, built);
      }
      return built;
    }
    const caller = appCaller(access);
    const permissions = await this.policies.readPermissions(access.workspace, schema, caller);
    const cached = this.appRoles.get(permissions);
    if (cached?.views === views) return cached.built;
    const built = buildGraphQLSchema(await this.appRoleView(access, schema, permissions), this.operations);
    this.appRoles.set(permissions, { views, built });
    return built;
  }

  /** What an app role may read, set and delete, from its policies; the views it may read, all or nothing, as on /items/{view}. */
  private async appRoleView(access: AppRoleAccess, schema: WorkspaceSchema, permissions: ReadPermissions): Promise<GraphQLView> {
    const caller = appCaller(access);
    const writable = new Map<string, ReadonlySet<string>>();
    const deletable = new Set<string>();
    for (const { name } of listedCollections(schema)) {
      for (const action of ['create', 'update'] as const) {
        const grant = await this.policies.writeGrant(access.workspace, schema, caller, name, action);
        if (grant) writable.set(`${action}:${name}`, grant.fields);
      }
      if (await this.policies.writeGrant(access.workspace, schema, caller, name, 'delete')) deletable.add(name);
    }
    const { collections } = await this.virtual.describe(schema, permissions.visibleSchema);
    return {
      visible: permissions.visibleSchema,
      schema,
      writable: (collection, action) => writable.get(`${action}:${collection}`) ?? null,
      deletable: (collection) => deletable.has(collection),
      virtual: collections,
    };
  }
}

/** A member's view: everything to read, and every field that is not a system field to write where its role may (the items door's rule). */
function memberView(schema: WorkspaceSchema, role: WorkspaceRole, virtual: readonly VirtualCollectionInfo[]): GraphQLView {
  const userFields = new Map([...schema.collections.values()].map((c) => [c.name, new Set(c.fields.filter((f) => !f.system).map((f) => f.field))]));
  return {
    visible: schema,
    schema,
    writable: (collection, action) => (memberMay(role, action) ? (userFields.get(collection) ?? null) : null),
    deletable: () => memberMay(role, 'delete'),
    virtual,
  };
}
