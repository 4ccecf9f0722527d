import assert from 'node:assert/strict';
import { newCollection } from '../support/factories';
import type { Api } from '../support/http';

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
