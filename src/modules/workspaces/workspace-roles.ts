/** A member's role in a workspace, from most to least powerful. */
export type WorkspaceRole = 'owner' | 'admin' | 'editor' | 'viewer';

export const WORKSPACE_ROLES: readonly WorkspaceRole[] = ['owner', 'admin', 'editor', 'viewer'];

const RANK: Record<WorkspaceRole, number> = { owner: 4, admin: 3, editor: 2, viewer: 1 };

/** True when `role` has at least the powers of `required`. */
export function hasRole(role: WorkspaceRole, required: WorkspaceRole): boolean {
  return RANK[role] >= RANK[required];
}
