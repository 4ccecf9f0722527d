import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { describeEachDatabase } from '../support/app';
import { newCollection, newOwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';

type Event = { key: string; event: string; data: Record<string, unknown> | null };

/** One subscription's events as they arrive, to be awaited in order. */
class Events {
  private readonly received: Event[] = [];
  private waiting: Array<() => void> = [];
  error: unknown = null;

  push(event: Event): void {
    this.received.push(event);
    for (const wake of this.waiting.splice(0)) wake();
  }

  fail(error: unknown): void {
    this.error = error;
    for (const wake of this.waiting.splice(0)) wake();
  }

  /** The next event, waiting for it up to a bound (a missing event fails the test, not hangs it). */
  async next(): Promise<Event> {
    const deadline = Date.now() + 5_000;
    while (this.received.length === 0) {
      if (this.error) throw this.error instanceof Error ? this.error : new Error(JSON.stringify(this.error), { cause: this.error });
      if (Date.now() > deadline) throw new Error('No event arrived.');
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        setTimeout(resolve, 100);
      });
    }
    return this.received.shift()!;
  }

  get pending(): number {
    return this.received.length;
  }
}

/**
 * `{collection}_mutated` subscriptions over graphql-ws: each subscriber gets the changed items as its
 * policy lets it read them, whichever request made the change.
 */
describeEachDatabase('GraphQL subscriptions', {}, (suite) => {
  let api: Api;
  let base: string;
  let ownerToken: string;
  let url: string;
  const clients: Client[] = [];

  before(async () => {
    let owner;
    ({ api, base, owner } = await newOwnedWorkspace(suite.api));
    ownerToken = owner.accessToken;
    url = `${suite.app.url.replace('http', 'ws')}${base}/graphql`;
    await newCollection(api, base, { collection: 'posts', fields: [{ field: 'title', type: 'string' }, { field: 'status', type: 'string' }, { field: 'secret', type: 'string' }] });
    const steps = [
      await api.post(`${base}/policies`, { role: 'public', collection: 'posts', action: 'read', filter: { status: { _eq: 'published' } }, fields: ['title', 'status'] }),
    ];
    for (const step of steps) assert.ok(step.status < 300, step.text);
  });

  after(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
  });

  function connect(connectionParams?: Record<string, unknown>): Client {
    const client = createClient({ url, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: true });
    clients.push(client);
    return client;
  }

  /**
   * Subscribes, then writes probe items until the first probe arrives: from then on the subscription
   * is live, and every later write reaches it. The probes are consumed here.
   */
  async function subscribe(client: Client, query: string): Promise<Events> {
    const events = new Events();
    client.subscribe<{ posts_mutated: Event }>(
      { query },
      { next: (result) => (result.errors ? events.fail(result.errors) : events.push(result.data!.posts_mutated)), error: (error) => events.fail(error), complete: () => undefined },
    );
    for (let attempt = 0; attempt < 50 && events.pending === 0 && !events.error; attempt += 1) {
      await api.post(`${base}/items/posts`, { title: 'probe', status: 'published' });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await events.next();
    await new Promise((resolve) => setTimeout(resolve, 100));
    while (events.pending > 0) await events.next();
    return events;
  }

  it('delivers to an anonymous subscriber only the rows, fields and deletions its policy lets it see', async () => {
    const events = await subscribe(connect(), 'subscription { posts_mutated { key event data { id title status } } }');
    const draft = (await api.post(`${base}/items/posts`, { title: 'Hidden draft', status: 'draft', secret: 's' })).body.data;
    const published = (await api.post(`${base}/items/posts`, { title: 'Visible', status: 'published', secret: 's' })).body.data;
    const first = await events.next();
    assert.deepEqual(first, { key: String(published.id), event: 'create', data: { id: published.id, title: 'Visible', status: 'published' } });
    await api.patch(`${base}/items/posts/${published.id}`, { title: 'Visible, edited' });
    assert.deepEqual((await events.next()).data, { id: published.id, title: 'Visible, edited', status: 'published' });
    // The draft's deletion is not the subscriber's to hear of: it never saw the draft.
    await api.delete(`${base}/items/posts/${draft.id}`);
    await api.delete(`${base}/items/posts/${published.id}`);
    assert.deepEqual(await events.next(), { key: String(published.id), event: 'delete', data: null });
  });

  it('sends a delete when an update moves an item out of the subscriber\'s view, and an update when it comes back', async () => {
    // The public role reads published posts only: its policy's filter is the subscription's.
    const events = await subscribe(connect(), 'subscription { posts_mutated { key event data { id status } } }');
    const post = (await api.post(`${base}/items/posts`, { title: 'Soon unpublished', status: 'published' })).body.data;
    assert.deepEqual(await events.next(), { key: String(post.id), event: 'create', data: { id: post.id, status: 'published' } });
    await api.patch(`${base}/items/posts/${post.id}`, { status: 'draft' });
    assert.deepEqual(await events.next(), { key: String(post.id), event: 'delete', data: null });
    // Out of view, its changes and its deletion are not the subscriber's to hear of.
    await api.patch(`${base}/items/posts/${post.id}`, { title: 'Edited in the dark' });
    await api.patch(`${base}/items/posts/${post.id}`, { status: 'published' });
    assert.deepEqual(await events.next(), { key: String(post.id), event: 'update', data: { id: post.id, status: 'published' } });
    const hidden = (await api.post(`${base}/items/posts`, { title: 'Draft', status: 'draft' })).body.data;
    await api.patch(`${base}/items/posts/${hidden.id}`, { title: 'Still a draft' });
    await api.delete(`${base}/items/posts/${hidden.id}`);
    await api.delete(`${base}/items/posts/${post.id}`);
    assert.deepEqual(await events.next(), { key: String(post.id), event: 'delete', data: null });
  });

  it('refuses a subscriber a field its policy does not grant', async () => {
    const events = new Events();
    connect().subscribe({ query: 'subscription { posts_mutated { data { secret } } }' }, { next: (r) => events.fail(r.errors ?? r), error: (e) => events.fail(e), complete: () => undefined });
    await assert.rejects(events.next(), /secret/);
  });

  it('delivers only the events asked for, with every field, to a member', async () => {
    const owner = connect({ access_token: ownerToken });
    const events = await subscribe(owner, 'subscription { posts_mutated(event: create) { key event data { title secret } } }');
    const created = (await api.post(`${base}/items/posts`, { title: 'Draft', status: 'draft', secret: 'for members' })).body.data;
    await api.patch(`${base}/items/posts/${created.id}`, { title: 'Not an event asked for' });
    const second = (await api.post(`${base}/items/posts`, { title: 'Second', status: 'draft', secret: 'two' })).body.data;
    assert.deepEqual(await events.next(), { key: String(created.id), event: 'create', data: { title: 'Draft', secret: 'for members' } });
    assert.deepEqual(await events.next(), { key: String(second.id), event: 'create', data: { title: 'Second', secret: 'two' } });
  });

  it('closes a connection whose token is not valid', async () => {
    const events = new Events();
    connect({ access_token: 'not-a-token' }).subscribe({ query: 'subscription { posts_mutated { key } }' }, { next: () => undefined, error: (e) => events.fail(e), complete: () => undefined });
    await assert.rejects(events.next(), (error: unknown) => {
      assert.equal((error as { cause?: { code?: number } }).cause?.code, 4403);
      return true;
    });
  });
});
