import type { WorkspaceRole } from '../api/types';

/**
 * What the console offers a member of each role, as the server decides it: owners and admins manage the
 * schema, members, settings and history; every role but viewer writes items and files. A role not known
 * yet (the workspace still loading) offers nothing.
 */
export function managesWorkspace(role: WorkspaceRole | undefined): boolean {
  return role === 'owner' || role === 'admin';
}

export function writesItems(role: WorkspaceRole | undefined): boolean {
  return role !== undefined && role !== 'viewer';
}
