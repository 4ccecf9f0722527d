import { Injectable } from '@nestjs/common';
import { forbidden } from '../../common/errors/app-error';
import { personId } from '../../common/principal/principal';
import type { QueryContext } from '../../engine/query/query.ast';
import { appCaller, PoliciesService } from '../policies/policies.service';
import type { PolicyAction } from '../policies/policy.entities';
import type { ReadPermissions } from '../policies/read-permissions';
import type { WriteGrant } from '../policies/write-permissions';
import { SchemaRegistry } from '../schema/schema.registry';
import type { WorkspaceSchema } from '../schema/schema.types';
import { assertMemberMay } from '../workspaces/workspace-roles';
import { isAppRoleAccess, ItemsAccess } from '../workspaces/workspaces.service';
import { FilesCollectionName, filesSchema } from '../schema/files.collection';

/** What a caller may read of files or folders: the schema to parse against, and the row filters to merge. */
export interface FilesReadScope {
  /** Files and folders as they are: statements are compiled against it. */
  schema: WorkspaceSchema;
  /** As the caller sees them: requests are parsed against it. */
  visible: WorkspaceSchema;
  /** An app role's read permissions; null for members, who read everything. */
  permissions: ReadPermissions | null;
  context: QueryContext;
}

/**
 * Who may do what with files and folders. Members and API keys by their workspace role, by the rule of
 * items (viewers read; editors upload, change and delete); app users and anonymous callers by their app
 * role's policies on the `files` and `folders` collections, with the policy engine of items.
 */
@Injectable()
export class FilesAccess {
  constructor(
    private readonly policies: PoliciesService,
    private readonly registry: SchemaRegistry,
  ) {}

  async readScope(access: ItemsAccess, collection: FilesCollectionName): Promise<FilesReadScope> {
    const schema = filesSchema(access.workspace.id);
    const context = this.context(access);
    if (!isAppRoleAccess(access)) {
      assertMemberMay(access.role, 'read');
      return { schema, visible: schema, permissions: null, context };
    }
    const permissions = (await this.shadowed(access, collection)) ? null : await this.policies.readPermissions(access.workspace, schema, appCaller(access));
    if (!permissions?.grants.has(collection)) throw forbidden(`You may not read "${collection}".`);
    return { schema, visible: permissions.visibleSchema, permissions, context };
  }

  /**
   * Every file of the workspace as it is: for reading a file the caller reaches through an item it may
   * read (see FileReferences), whatever its policies on the files say.
   */
  wholeScope(access: ItemsAccess): FilesReadScope {
    const schema = filesSchema(access.workspace.id);
    return { schema, visible: schema, permissions: null, context: this.context(access) };
  }

  /**
   * What an app role's policy grants for a write (403 without one); null for members, whose role must
   * allow the action, as for items (403 otherwise).
   */
  async writeGrant(access: ItemsAccess, collection: FilesCollectionName, action: Exclude<PolicyAction, 'read'>): Promise<WriteGrant | null> {
    if (!isAppRoleAccess(access)) {
      assertMemberMay(access.role, action);
      return null;
    }
    const grant = (await this.shadowed(access, collection)) ? null : await this.policies.writeGrant(access.workspace, filesSchema(access.workspace.id), appCaller(access), collection, action);
    if (!grant) throw forbidden(`You may not ${action} ${collection}.`);
    return grant;
  }

  context(access: ItemsAccess): QueryContext {
    if (isAppRoleAccess(access)) return { now: new Date(), userId: access.principal?.appUserId ?? null, role: access.appRole };
    return { now: new Date(), userId: personId(access.principal), role: access.role };
  }

  /** Who is recorded as a file's uploader: the account or app user, none for an API key or anonymous caller. */
  actor(access: ItemsAccess): string | null {
    return this.context(access).userId;
  }

  /**
   * Whether a workspace has a collection of its own with this name, made before `files` and `folders`
   * were reserved: its policies are that collection's, and grant nothing on the files.
   */
  private async shadowed(access: ItemsAccess, collection: FilesCollectionName): Promise<boolean> {
    const schema = await this.registry.forWorkspace(access.workspace);
    const own = schema.collections.get(collection);
    // The files as the target of file fields are these very files, not a collection of the workspace's.
    return own !== undefined && !own.relationTargetOnly;
  }
}
