import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { TEST_SETUP_TOKEN } from './app';
import type { Api } from './http';

export interface Account {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  isSuperadmin: boolean;
}

export const uniqueEmail = (label = 'user') => `${label}-${randomBytes(4).toString('hex')}@example.com`;

/** Registers an account and signs it in; the first of an instance becomes its superadmin (with the test setup token). */
export async function newAccount(api: Api, label = 'user'): Promise<Account> {
  const email = uniqueEmail(label);
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const registered = await api.post('/api/v1/auth/register', { email, password, name: label, setup_token: TEST_SETUP_TOKEN }, { token: null });
  assert.equal(registered.status, 201, registered.text);
  const login = await api.post('/api/v1/auth/login', { email, password }, { token: null });
  assert.equal(login.status, 200, login.text);
  return {
    id: registered.body.data.id,
    email,
    password,
    accessToken: login.body.data.access_token,
    refreshToken: login.body.data.refresh_token,
    isSuperadmin: registered.body.data.is_superadmin,
  };
}

export interface Workspace {
  id: string;
  slug: string;
}

/** Creates a workspace owned by the account. */
export async function newWorkspace(api: Api, owner: Account, name = `Team ${randomBytes(3).toString('hex')}`): Promise<Workspace> {
  const created = await api.post('/api/v1/workspaces', { name }, { token: owner.accessToken });
  assert.equal(created.status, 201, created.text);
  return { id: created.body.data.id, slug: created.body.data.slug };
}

export interface OwnedWorkspace {
  owner: Account;
  workspace: Workspace;
  /** The client, signed in as the owner. */
  api: Api;
  /** The workspace plane's base path: /api/v1/w/{slug}. */
  base: string;
}

/** A new account with a new workspace it owns, and a client signed in as that owner. */
export async function newOwnedWorkspace(api: Api): Promise<OwnedWorkspace> {
  const owner = await newAccount(api, 'owner');
  const workspace = await newWorkspace(api, owner);
  return { owner, workspace, api: api.as(owner.accessToken), base: `/api/v1/w/${workspace.slug}` };
}

/** A collection as `POST /collections` takes it: its name, fields and, optionally, primary key and note. */
export interface CollectionInput {
  collection: string;
  fields?: Array<Record<string, unknown>>;
  primary_key?: 'integer' | 'uuid';
  note?: string | null;
}

/** A collection as the API answers it, its system fields included. */
export interface Collection {
  collection: string;
  primary_key: 'integer' | 'uuid';
  note: string | null;
  fields: Array<{ field: string; type: string } & Record<string, unknown>>;
}

/** Creates a collection in the workspace at `base` (/api/v1/w/{slug}) through the API, checking it was created. */
export async function newCollection(api: Api, base: string, input: CollectionInput): Promise<Collection> {
  const created = await api.post(`${base}/collections`, input);
  assert.equal(created.status, 201, created.text);
  return created.body.data as Collection;
}

/** Adds an existing account to a workspace with a role, as the given admin or owner. */
export async function addMember(api: Api, workspace: Workspace, by: Account, member: Account, role: string): Promise<void> {
  const added = await api.post(`/api/v1/workspaces/${workspace.slug}/members`, { email: member.email, role }, { token: by.accessToken });
  assert.equal(added.status, 201, added.text);
}

/** Asserts an error answer in the contract's envelope, with its status and code. */
export function assertError(response: { status: number; body: any; text: string }, status: number, code: string): void {
  assert.equal(response.status, status, response.text);
  assert.equal(response.body?.errors?.[0]?.extensions?.code, code, response.text);
  assert.equal(typeof response.body.errors[0].message, 'string');
}
