import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Api } from './http';
import { uniqueEmail } from './factories';

export interface AppUser {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

/** Registers an app user in a workspace (base: /api/v1/w/{ws}); registering signs it in. */
export async function newAppUser(api: Api, base: string, label = 'app'): Promise<AppUser> {
  const email = uniqueEmail(label);
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const registered = await api.post(`${base}/auth/register`, { email, password }, { token: null });
  assert.equal(registered.status, 201, registered.text);
  return { id: registered.body.data.user.id, email, password, accessToken: registered.body.data.access_token, refreshToken: registered.body.data.refresh_token };
}

export interface OutboxMessage {
  to: string;
  subject: string;
  text: string;
  created_at: string;
}

/** The dev outbox of a workspace, newest first, read by its owner or an admin. */
export async function readOutbox(admin: Api, base: string): Promise<OutboxMessage[]> {
  const outbox = await admin.get(`${base}/dev/outbox`);
  assert.equal(outbox.status, 200, outbox.text);
  return outbox.body.data;
}

/** The one link of a mail, and the token it carries. */
export function linkIn(message: OutboxMessage): { link: URL; token: string } {
  const links = message.text.match(/https?:\/\/\S+/g) ?? [];
  assert.equal(links.length, 1, message.text);
  const link = new URL(links[0]);
  const token = link.searchParams.get('token');
  assert.ok(token, message.text);
  return { link, token };
}
