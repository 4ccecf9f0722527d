import { Injectable } from '@nestjs/common';
import { forbidden, notFound } from '../../common/errors/app-error';
import type { QueryContext } from '../../engine/query/query.ast';
import { personId } from '../../common/principal/principal';
import { appCaller, PoliciesService } from '../policies/policies.service';
import type { PolicyAction } from '../policies/policy.entities';
import type { ReadPermissions } from '../policies/read-permissions';
import type { WriteGrant } from '../policies/write-permissions';
import { SchemaRegistry } from '../schema/schema.registry';
import type { CollectionDef, WorkspaceSchema } from '../schema/schema.types';
import { assertMemberMay } from '../workspaces/workspace-roles';
import { isAppRoleAccess, ItemsAccess } from '../workspaces/workspaces.service';
import { VirtualCollection, VirtualCollections } from './virtual-collections';

/** Everything one request's work on items needs, resolved once. */
export interface Target {
  access: ItemsAccess;
  /** The whole schema: statements are compiled against it. */
  schema: WorkspaceSchema;
  collection: CollectionDef;
  /** The schema as the caller sees it: requests are parsed against it. */
  visible: WorkspaceSchema;
  /** What an app role may read; null for members, who read everything. */
  permissions: ReadPermissions | null;
}

/** The target of a write, with what an app role's policy grants for it (null for members: everything). */
export interface GrantedTarget extends Target {
  grant: WriteGrant | null;
}

export type WriteAction = Exclude<PolicyAction, 'read'>;

/**
 * The caller's right to an action on a collection's items, checked in this one place for every way in
 * (REST, GraphQL, realtime, handlers, flows, views): a member by its role (an API key has one), an app
 * role through its policies. A collection an app role may not touch answers 403 whether or not it
 * exists, so the schema cannot be probed.
 */
@Injectable()
export class ItemTargets {
  constructor(
    private readonly registry: SchemaRegistry,
    private readonly policies: PoliciesService,
    private readonly virtual: VirtualCollections,
  ) {}

  /** The virtual collection (a view) of that name, when the name is no collection of the workspace. */
  async virtualCollection(access: ItemsAccess, name: string): Promise<VirtualCollection | null> {
    return this.virtual.find(await this.registry.forWorkspace(access.workspace), name);
  }

  /** The target of a read: a member reads by its role; an app role sees the collection only through a read policy. */
  async read(access: ItemsAccess, collectionName: string): Promise<Target> {
    if (!isAppRoleAccess(access)) {
      assertMemberMay(access.role, 'read');
      return this.any(access, collectionName);
    }
    const schema = await this.registry.forWorkspace(access.workspace);
    const permissions = await this.policies.readPermissions(access.workspace, schema, appCaller(access));
    const collection = ownItems(schema, collectionName);
    if (!collection || !permissions.grants.has(collectionName)) throw forbidden(`You may not read "${collectionName}".`);
    return { access, schema, collection, visible: permissions.visibleSchema, permissions };
  }

  /**
   * The target of a write. A member writes only from the editor role up, and an app role only through a
   * policy for the action, reading back only what its read policy shows. Views and read-only connections
   * are refused.
   */
  async write(access: ItemsAccess, collectionName: string, action: WriteAction): Promise<GrantedTarget> {
    if (!isAppRoleAccess(access)) assertMemberMay(access.role, action);
    const virtual = await this.virtualCollection(access, collectionName);
    if (virtual) throw forbidden(virtual.readOnlyReason);
    const target = await this.granted(access, collectionName, action);
    const external = target.collection.external;
    if (external && !external.allowWrites) throw forbidden(`"${collectionName}" is a table of the connection "${external.connection}", and this connection is read-only.`);
    return target;
  }

  private async granted(access: ItemsAccess, collectionName: string, action: WriteAction): Promise<GrantedTarget> {
    if (!isAppRoleAccess(access)) return { ...(await this.any(access, collectionName)), grant: null };
    const schema = await this.registry.forWorkspace(access.workspace);
    const grant = await this.policies.writeGrant(access.workspace, schema, appCaller(access), collectionName, action);
    const collection = ownItems(schema, collectionName);
    if (!grant || !collection) throw forbidden(`You may not ${action} items of "${collectionName}".`);
    const permissions = await this.policies.readPermissions(access.workspace, schema, appCaller(access));
    return { access, schema, collection, visible: permissions.visibleSchema, permissions, grant };
  }

  private async any(access: ItemsAccess, collectionName: string): Promise<Target> {
    const schema = await this.registry.forWorkspace(access.workspace);
    const collection = ownItems(schema, collectionName);
    if (!collection) throw notFound(`Collection "${collectionName}" not found.`);
    return { access, schema, collection, visible: schema, permissions: null };
  }
}

/**
 * The collection of that name when it has items of its own to read and write: `cairn_users` (the people
 * user fields relate to) is reached only through those fields, never listed, so it is none.
 */
function ownItems(schema: WorkspaceSchema, name: string): CollectionDef | undefined {
  const collection = schema.collections.get(name);
  return collection?.relatedOnly ? undefined : collection;
}

/** Who runs a query and when, for its filter variables ($CURRENT_USER, $CURRENT_ROLE, $NOW). */
export function queryContext(access: ItemsAccess): QueryContext {
  if (isAppRoleAccess(access)) return { now: new Date(), userId: access.principal?.appUserId ?? null, role: access.appRole };
  return { now: new Date(), userId: personId(access.principal), role: access.role };
}
