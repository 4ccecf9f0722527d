import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Api } from '../support/http';
import { uniqueEmail } from '../support/factories';

/** A workspace made from a template with POST /workspaces, and its base path. */
export async function newTemplateWorkspace(owner: Api, template: string, sampleData: boolean): Promise<{ slug: string; base: string }> {
  const created = await owner.post('/api/v1/workspaces', { name: `${template} ${randomBytes(3).toString('hex')}`, template, sample_data: sampleData });
  assert.equal(created.status, 201, created.text);
  return { slug: created.body.data.slug, base: `/api/v1/w/${created.body.data.slug}` };
}

/** An app user made by the workspace's owner with an app role, signed in. */
export async function signedInAppUser(owner: Api, base: string, role: string): Promise<{ id: string; api: Api }> {
  const email = uniqueEmail(role);
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const created = await owner.post(`${base}/app-users`, { email, password, role });
  assert.equal(created.status, 201, created.text);
  const login = await owner.post(`${base}/auth/login`, { email, password }, { token: null });
  assert.equal(login.status, 200, login.text);
  return { id: created.body.data.id, api: owner.as(login.body.data.access_token) };
}

/** The data of a successful answer, or a failed assertion showing the answer. */
export async function dataOf(promise: Promise<{ status: number; text: string; body: any }>): Promise<any> {
  const response = await promise;
  assert.ok(response.status < 300, `${response.status} ${response.text}`);
  return response.body?.data;
}
