import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { MESSAGE_BUS, MessageBus } from '../../src/common/bus/bus';
import { ITEMS_CHANGED, ItemsChanged } from '../../src/common/bus/items-changed';
import { describeEachDatabase } from '../support/app';
import { newCollection, newOwnedWorkspace, OwnedWorkspace } from '../support/factories';
import { graphql, graphqlData } from '../support/graphql';
import type { Api } from '../support/http';
import { until } from '../support/wait';

/**
 * The mutation fields of one GraphQL document run in one transaction: all are committed, or, when one
 * fails, none, and nothing of them is announced.
 */
describeEachDatabase('GraphQL mutations of one document', {}, (suite) => {
  let owned: OwnedWorkspace;
  let api: Api;
  let base: string;

  before(async () => {
    owned = await newOwnedWorkspace(suite.api);
    ({ api, base } = owned);
    await newCollection(api, base, { collection: 'posts', fields: [{ field: 'title', type: 'string', required: true }] });
    await newCollection(api, base, { collection: 'tags', fields: [{ field: 'label', type: 'string', required: true }] });
  });

  const count = async (collection: string, field: string, prefix: string): Promise<number> =>
    (await api.get(`${base}/items/${collection}?aggregate[count]=*&filter[${field}][_starts_with]=${encodeURIComponent(prefix)}`)).body.data[0].count as number;

  it('commits every mutation of a document that succeeds, across collections', async () => {
    const data = await graphqlData(
      api,
      base,
      `mutation {
        post: create_posts_item(data: {title: "Together post"}) { id title }
        tag: create_tags_item(data: {label: "Together tag"}) { label }
        more: create_tags_items(data: [{label: "Together a"}, {label: "Together b"}]) { label }
      }`,
    );
    assert.equal(data.post.title, 'Together post');
    assert.deepEqual(data.more.map((tag: { label: string }) => tag.label), ['Together a', 'Together b']);
    assert.equal(await count('posts', 'title', 'Together'), 1);
    assert.equal(await count('tags', 'label', 'Together'), 3);
  });

  it('commits none of its mutations when one fails: data is null, the errors name the failed field and those not run, and nothing is announced', async () => {
    const heard: ItemsChanged[] = [];
    const bus = suite.app.nest.get<MessageBus>(MESSAGE_BUS);
    const stopHearing = await bus.subscribe(ITEMS_CHANGED, (change) => void heard.push(change as ItemsChanged));
    try {
      const existing = (await api.post(`${base}/items/posts`, { title: 'Kept' })).body.data;
      const response = await graphql(
        api,
        base,
        `mutation {
          first: create_posts_item(data: {title: "Undone post"}) { id }
          renamed: update_posts_item(id: ${existing.id}, data: {title: "Undone rename"}) { id }
          failing: create_tags_item(data: {label: null}) { id }
          after: create_tags_item(data: {label: "Undone never run"}) { id }
        }`,
      );
      assert.equal(response.status, 200, response.text);
      assert.equal(response.body.data, null, response.text);
      const errors = response.body.errors as Array<{ path: string[]; message: string; extensions: { code: string; field?: string } }>;
      assert.deepEqual(errors.map((error) => [error.path[0], error.extensions.code]), [
        ['failing', 'VALIDATION_FAILED'],
        ['after', 'INVALID_PAYLOAD'],
      ]);
      assert.equal(errors[0].extensions.field, 'label');
      assert.match(errors[1].message, /^Not run: an earlier mutation of this document failed/);
      assert.equal(await count('posts', 'title', 'Undone'), 0);
      assert.equal(await count('tags', 'label', 'Undone'), 0);
      assert.equal((await api.get(`${base}/items/posts/${existing.id}`)).body.data.title, 'Kept');

      // The first thing heard after the document is a later write: its mutations were never announced.
      const later = (await api.post(`${base}/items/tags`, { label: 'Heard later' })).body.data;
      await until('the later write is heard', async () => heard.filter((change) => change.collection === 'tags').length, (length) => length > 0);
      const ours = heard.filter((change) => change.workspaceId === owned.workspace.id).map((change) => [change.collection, change.action, change.keys]);
      assert.deepEqual(ours, [
        ['posts', 'create', [existing.id]],
        ['tags', 'create', [later.id]],
      ]);
    } finally {
      await stopHearing();
    }
  });

  it('answers a single failing mutation as before: its field null and its error, the document not rolled back as a whole', async () => {
    const response = await graphql(api, base, 'mutation { create_tags_item(data: {label: null}) { id } }');
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.body.data, { create_tags_item: null });
    assert.equal(response.body.errors[0].extensions.code, 'VALIDATION_FAILED');
  });

  it('runs a document whose mutations come through a fragment together too', async () => {
    const response = await graphql(
      api,
      base,
      `mutation { ...both }
       fragment both on Mutation {
         create_posts_item(data: {title: "Fragment post"}) { id }
         create_tags_item(data: {label: null}) { id }
       }`,
    );
    assert.equal(response.body.data, null, response.text);
    assert.equal(await count('posts', 'title', 'Fragment'), 0);
  });
});
