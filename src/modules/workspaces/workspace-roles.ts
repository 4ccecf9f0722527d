import { forbidden } from '../../common/errors/app-error';
import type { WorkspaceRole } from '../../common/principal/principal';

export type { WorkspaceRole };

export const WORKSPACE_ROLES: readonly WorkspaceRole[] = ['owner', 'admin', 'editor', 'viewer'];

const RANK: Record<WorkspaceRole, number> = { owner: 4, admin: 3, editor: 2, viewer: 1 };

/** True when `role` has at least the powers of `required`. */
export function hasRole(role: WorkspaceRole, required: WorkspaceRole): boolean {
  return RANK[role] >= RANK[required];
}

/** Refuses (403) a role below `required`, naming the role needed: the one wording of every such refusal. */
export function assertRole(role: WorkspaceRole, required: WorkspaceRole): void {
  if (!hasRole(role, required)) throw forbidden(`This needs the ${required} role or higher in the workspace.`);
}

/** What a caller does with a workspace's data: its items, files and folders. */
export type DataAction = 'read' | 'create' | 'update' | 'delete';

/** The least role a member (or an API key) needs for each action on the data: viewers read, editors write. */
const DATA_ROLE: Record<DataAction, WorkspaceRole> = { read: 'viewer', create: 'editor', update: 'editor', delete: 'editor' };

/**
 * Whether a member's role allows an action on the workspace's data. The doors to the data (items,
 * files) ask this of every member, whichever way the request came in (REST, GraphQL, realtime, a
 * handler's `items()`, a flow), so no way in grants more than another.
 */
export function memberMay(role: WorkspaceRole, action: DataAction): boolean {
  return hasRole(role, DATA_ROLE[action]);
}

/** Refuses (403) a member whose role does not allow the action, naming the role needed. */
export function assertMemberMay(role: WorkspaceRole, action: DataAction): void {
  assertRole(role, DATA_ROLE[action]);
}
