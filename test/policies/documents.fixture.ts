import assert from 'node:assert/strict';
import { newAppUser } from '../support/app-users';
import { addMember, newAccount, newCollection, OwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';

/** Every kind of caller explain is asked about. */
export type Principal = 'owner' | 'admin' | 'editor' | 'viewer' | 'editor key' | 'viewer key' | 'app user' | 'anonymous';
export const PRINCIPALS: Principal[] = ['owner', 'admin', 'editor', 'viewer', 'editor key', 'viewer key', 'app user', 'anonymous'];

/** The callers of a workspace, one of each kind: each as a client sends (`callers`) and as explain names it (`as`). */
export interface Principals {
  callers: Record<Principal, Api>;
  as: Record<Principal, Record<string, unknown>>;
  appUserId: string;
}

/** Adds a member of each role, an API key of the editor and viewer roles and an app user to the workspace. */
export async function principalsOf(api: Api, owned: OwnedWorkspace): Promise<Principals> {
  const callers = { owner: owned.api, anonymous: api.as(null) } as Partial<Record<Principal, Api>>;
  const as: Partial<Record<Principal, Record<string, unknown>>> = { owner: { member_role: 'owner' }, anonymous: { anonymous: true } };
  for (const role of ['admin', 'editor', 'viewer'] as const) {
    const member = await newAccount(api, role);
    await addMember(api, owned.workspace, owned.owner, member, role);
    callers[role] = api.as(member.accessToken);
    as[role] = { member_role: role };
  }
  for (const role of ['editor', 'viewer'] as const) {
    const key = await owned.api.post(`/api/v1/workspaces/${owned.workspace.slug}/api-keys`, { name: role, role });
    assert.equal(key.status, 201, key.text);
    callers[`${role} key`] = api.as(key.body.data.key);
    as[`${role} key`] = { api_key: key.body.data.id };
  }
  const appUser = await newAppUser(api, owned.base, 'reader');
  callers['app user'] = api.as(appUser.accessToken);
  as['app user'] = { app_user: appUser.id };
  return { callers: callers as Record<Principal, Api>, as: as as Record<Principal, Record<string, unknown>>, appUserId: appUser.id };
}

/** The policies the permission matrix holds every principal to, on its `documents` collection. */
const DRAFT = { status: { _eq: 'draft' } };
export const DOCUMENT_POLICIES = [
  { collection: 'documents', action: 'read', filter: { status: { _eq: 'published' } }, fields: ['title', 'status'] },
  { collection: 'documents', action: 'create', fields: ['title'], presets: { status: 'draft' } },
  { collection: 'documents', action: 'update', filter: DRAFT, fields: ['title'] },
  { collection: 'documents', action: 'delete', filter: DRAFT },
];

/**
 * Makes `documents` (title, status, secret) and gives the public and authenticated roles the same
 * policies on it (DOCUMENT_POLICIES, then `extra`). Answers each policy's id by `role:action`.
 */
export async function documentsUnderPolicies(api: Api, base: string, extra: object[] = []): Promise<Record<string, string>> {
  await newCollection(api, base, {
    collection: 'documents',
    fields: [{ field: 'title', type: 'string' }, { field: 'status', type: 'string' }, { field: 'secret', type: 'string' }],
  });
  const ids: Record<string, string> = {};
  for (const policy of [...DOCUMENT_POLICIES, ...extra] as Array<{ action: string }>) {
    for (const role of ['public', 'authenticated']) {
      const response = await api.post(`${base}/policies`, { role, ...policy });
      assert.equal(response.status, 201, response.text);
      ids[`${role}:${policy.action}`] = response.body.data.id;
    }
  }
  return ids;
}
