import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { assertError, newCollection, newOwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';

/** Nothing is sent or run: the webhooks' targets are made up, and the flows are only there to be named. */
const ENV = { WEBHOOK_DISPATCH: 'false', FLOWS_RUN: 'false' };

type Dependant = Record<string, string | null>;

describeEachDatabase('deleting what others depend on', { env: ENV }, (suite) => {
  let api: Api;
  let base: string;

  before(async () => {
    ({ api, base } = await newOwnedWorkspace(suite.api));
  });

  const ok = async (promise: Promise<{ status: number; text: string; body: any }>) => {
    const response = await promise;
    assert.ok(response.status < 300, response.text);
    return response.body?.data;
  };
  const collection = (name: string, fields: Array<Record<string, unknown>> = [{ field: 'label', type: 'string' }]) => newCollection(api, base, { collection: name, fields });
  const relation = (body: Record<string, unknown>) => ok(api.post(`${base}/relations`, body));

  /** The 409 a deletion answers, with what it lists. */
  async function refused(path: string): Promise<{ message: string; extensions: { rows?: number; dependants: Dependant[] } & Record<string, unknown> }> {
    const response = await api.delete(path);
    assertError(response, 409, 'CONFLICT');
    return response.body.errors[0];
  }
  const kinds = (dependants: Dependant[]) => dependants.map((d) => `${d.kind} ${d.name ?? `${d.collection}.${d.field ?? d.action}`} ${d.on_force}`).sort();

  it('deletes an empty collection that nothing depends on without force', async () => {
    await collection('scraps');
    assert.equal((await api.delete(`${base}/collections/scraps`)).status, 204);
    assertError(await api.get(`${base}/collections/scraps`), 404, 'NOT_FOUND');
  });

  it('refuses to delete a collection that holds rows unless forced, counting them', async () => {
    await collection('crates');
    await ok(api.post(`${base}/items/crates`, [{ label: 'a' }, { label: 'b' }]));
    const error = await refused(`${base}/collections/crates`);
    assert.deepEqual(error.extensions, { code: 'CONFLICT', collection: 'crates', rows: 2, dependants: [] });
    assert.match(error.message, /"crates".*its 2 rows.*force/);
    assert.equal((await api.get(`${base}/items/crates`)).body.data.length, 2, 'nothing deleted');
    assert.equal((await api.delete(`${base}/collections/crates?force=true`)).status, 204);
    assertError(await api.get(`${base}/collections/crates`), 404, 'NOT_FOUND');
  });

  it('lists the relations to and from a collection or field, and drops them when forced', async () => {
    await collection('owners', [{ field: 'name', type: 'string' }]);
    await collection('pets', [{ field: 'name', type: 'string' }]);
    await collection('toys', [{ field: 'name', type: 'string' }]);
    await relation({ collection: 'pets', field: 'owner', related_collection: 'owners', one_field: 'pets' });
    await relation({ collection: 'pets', field: 'toys', related_collection: 'toys', junction: true, one_field: 'pets' });

    const owners = await refused(`${base}/collections/owners`);
    assert.equal(owners.extensions.rows, 0);
    assert.deepEqual(owners.extensions.dependants, [{ kind: 'relation', collection: 'pets', field: 'owner', related_collection: 'owners', one_field: 'pets', on_force: 'drop' }]);
    assert.match(owners.message, /relation pets\.owner → owners/);
    const field = await refused(`${base}/fields/pets/owner`);
    assert.deepEqual(field.extensions, { code: 'CONFLICT', collection: 'pets', field: 'owner', dependants: owners.extensions.dependants });
    const toys = await refused(`${base}/collections/toys`);
    assert.deepEqual(toys.extensions.dependants, [{ kind: 'junction', collection: 'pets_toys', field: 'toys_id', related_collection: 'toys', alias: 'pets', on_force: 'drop' }]);
    assert.deepEqual(kinds((await refused(`${base}/fields/pets_toys/pets_id`)).extensions.dependants), ['junction pets_toys.pets_id drop']);

    assert.equal((await api.delete(`${base}/collections/owners?force=true`)).status, 204);
    assert.equal((await api.delete(`${base}/fields/pets_toys/pets_id?force=true`)).status, 204);
    const relations = await ok(api.get(`${base}/relations`));
    assert.deepEqual(relations.map((r: { collection: string; field: string; junction: unknown }) => `${r.collection}.${r.field} ${r.junction === null ? 'plain' : 'junction'}`), ['pets_toys.toys_id plain']);
    // What the relations made is gone cleanly: the kept column reads, the aliases are unknown fields, not errors.
    await ok(api.post(`${base}/items/pets`, { name: 'Rex', owner: 7 }));
    assert.deepEqual(await ok(api.get(`${base}/items/pets?fields=name,owner`)), [{ id: 1, name: 'Rex', owner: 7 }]);
    assertError(await api.get(`${base}/items/pets?fields=toys.name`), 400, 'INVALID_QUERY');
    assertError(await api.get(`${base}/items/toys?fields=pets.name`), 400, 'INVALID_QUERY');
    assert.equal((await api.get(`${base}/items/pets_toys`)).status, 200);
  });

  it('lists the views that read a collection or field, and deletes them when forced', async () => {
    await collection('shelves');
    await collection('books', [{ field: 'title', type: 'string' }, { field: 'pages', type: 'integer' }]);
    await relation({ collection: 'books', field: 'shelf', related_collection: 'shelves' });
    await ok(api.post(`${base}/views`, { name: 'shelf_list', source: 'shelves', fields: ['id', 'label'] }));
    await ok(api.post(`${base}/views`, { name: 'shelved_books', source: 'books', fields: ['id', 'title', 'shelf.label'] }));
    await ok(api.post(`${base}/views`, { name: 'long_books', source: 'books', fields: ['id'], filter: { pages: { _gt: 500 } } }));
    await ok(api.post(`${base}/items/books`, { title: 'Dune', pages: 600 }));

    assert.deepEqual(kinds((await refused(`${base}/fields/books/pages`)).extensions.dependants), ['view long_books delete']);
    const shelves = await refused(`${base}/collections/shelves`);
    assert.deepEqual(kinds(shelves.extensions.dependants), ['relation books.shelf drop', 'view shelf_list delete', 'view shelved_books delete']);
    assert.deepEqual(shelves.extensions.dependants.find((d) => d.name === 'shelf_list'), { kind: 'view', name: 'shelf_list', source: 'shelves', on_force: 'delete' });

    assert.equal((await api.delete(`${base}/collections/shelves?force=true`)).status, 204);
    assert.equal((await api.delete(`${base}/fields/books/pages?force=true`)).status, 204);
    for (const view of ['shelf_list', 'shelved_books', 'long_books']) {
      assertError(await api.get(`${base}/views/${view}`), 404, 'NOT_FOUND');
      assertError(await api.get(`${base}/items/${view}`), 404, 'NOT_FOUND');
    }
    assert.deepEqual(await ok(api.get(`${base}/items/books?fields=title`)), [{ id: 1, title: 'Dune' }]);
  });

  it('deletes the policies on a collection or whose filter reads it, and takes a field out of the others', async () => {
    await collection('teams', [{ field: 'name', type: 'string' }]);
    await collection('players', [{ field: 'nick', type: 'string' }, { field: 'level', type: 'integer' }, { field: 'bio', type: 'string' }]);
    await relation({ collection: 'players', field: 'team', related_collection: 'teams' });
    await ok(api.post(`${base}/roles`, { name: 'coach' }));
    await ok(api.post(`${base}/policies`, { role: 'coach', collection: 'teams', action: 'read' }));
    await ok(api.post(`${base}/policies`, { role: 'coach', collection: 'players', action: 'read', filter: { team: { name: { _eq: 'Blue' } } } }));
    await ok(api.post(`${base}/policies`, { role: 'coach', collection: 'players', action: 'update', fields: ['nick', 'level'], validation: { level: { min: 1 } }, presets: { bio: 'coached' } }));
    await ok(api.post(`${base}/policies`, { role: 'public', collection: 'players', action: 'read', fields: ['level'] }));
    await ok(api.post(`${base}/policies`, { role: 'public', collection: 'players', action: 'update', fields: ['nick'], filter: { level: { _gt: 3 } } }));

    const level = await refused(`${base}/fields/players/level`);
    assert.deepEqual(kinds(level.extensions.dependants), ['policy players.read delete', 'policy players.update delete', 'policy players.update remove_reference']);
    assert.deepEqual(level.extensions.dependants.find((d) => d.role === 'coach'), { kind: 'policy', role: 'coach', collection: 'players', action: 'update', on_force: 'remove_reference' });
    assert.match(level.message, /policy of "coach" to update "players"/);
    const teams = await refused(`${base}/collections/teams`);
    assert.deepEqual(kinds(teams.extensions.dependants), ['policy teams.read delete', 'policy players.read delete', 'relation players.team drop'].sort());

    assert.equal((await api.delete(`${base}/fields/players/level?force=true`)).status, 204);
    assert.equal((await api.delete(`${base}/collections/teams?force=true`)).status, 204);
    const policies = await ok(api.get(`${base}/policies`));
    assert.deepEqual(
      policies.map((p: Record<string, unknown>) => ({ role: p.role, collection: p.collection, action: p.action, fields: p.fields, validation: p.validation, presets: p.presets })),
      [{ role: 'coach', collection: 'players', action: 'update', fields: ['nick'], validation: null, presets: { bio: 'coached' } }],
    );
    // The public role, whose only policies went, reads nothing rather than failing.
    assertError(await api.get(`${base}/items/players`, { token: null }), 403, 'FORBIDDEN');
  });

  it('takes a collection out of webhooks and flows that name others too, and disables those that need it', async () => {
    await collection('alpha');
    await collection('beta', [{ field: 'label', type: 'string' }, { field: 'flag', type: 'boolean' }]);
    const webhook = (name: string, collections: string[]) => ok(api.post(`${base}/webhooks`, { name, url: `https://example.com/${name}`, collections }));
    const both = await webhook('both', ['alpha', 'beta']);
    const onlyAlpha = await webhook('only-alpha', ['alpha']);
    const log: Array<{ key: string } & Record<string, unknown>> = [{ key: 'say', type: 'log', options: { message: 'hi' } }];
    const flow = (name: string, trigger: Record<string, unknown>, operations = log) => ok(api.post(`${base}/flows`, { name, trigger, operations, first: operations[0].key }));
    const flowBoth = await flow('flow-both', { type: 'event', collections: ['alpha', 'beta'] });
    const flowAlpha = await flow('flow-alpha', { type: 'event', collections: ['alpha'] });
    const writesAlpha = await flow('writes-alpha', { type: 'manual' }, [{ key: 'make', type: 'create_item', options: { collection: 'alpha', payload: { label: 'x' } } }]);
    const flagged = await flow('flagged-beta', { type: 'event', collections: ['beta'], filter: { flag: { _eq: true } } });
    const unflagged = await flow('was-unflagged-beta', { type: 'event', collections: ['beta'], events: ['update'], before_filter: { flag: { _eq: false } } });
    const hook = await ok(api.post(`${base}/handlers`, { name: 'hook-alpha', kind: 'before', collection: 'alpha', code: 'module.exports = async () => undefined;' }));

    const alpha = await refused(`${base}/collections/alpha`);
    assert.deepEqual(kinds(alpha.extensions.dependants), [
      'flow flow-alpha disable',
      'flow flow-both remove_reference',
      'flow writes-alpha disable',
      'handler hook-alpha disable',
      'webhook both remove_reference',
      'webhook only-alpha disable',
    ]);
    assert.deepEqual(kinds((await refused(`${base}/fields/beta/flag`)).extensions.dependants), ['flow flagged-beta disable', 'flow was-unflagged-beta disable']);

    assert.equal((await api.delete(`${base}/collections/alpha?force=true`)).status, 204);
    assert.equal((await api.delete(`${base}/fields/beta/flag?force=true`)).status, 204);
    assert.deepEqual((await ok(api.get(`${base}/webhooks/${both.id}`))).collections, ['beta']);
    const disabledHook = await ok(api.get(`${base}/webhooks/${onlyAlpha.id}`));
    assert.equal(disabledHook.enabled, false);
    assert.match(disabledHook.disabled_reason, /"alpha" was deleted/);
    const trimmed = await ok(api.get(`${base}/flows/${flowBoth.id}`));
    assert.deepEqual([trimmed.enabled, trimmed.trigger.collections], [true, ['beta']]);
    for (const disabled of [flowAlpha, writesAlpha, flagged, unflagged]) assert.equal((await ok(api.get(`${base}/flows/${disabled.id}`))).enabled, false, disabled.name);
    assert.equal((await ok(api.get(`${base}/handlers/${hook.id}`))).enabled, false);

    // Writes go on; what was disabled must be mended before it is enabled again.
    await ok(api.post(`${base}/items/beta`, { label: 'still works' }));
    assertError(await api.patch(`${base}/webhooks/${onlyAlpha.id}`, { enabled: true }), 400, 'INVALID_PAYLOAD');
    assertError(await api.patch(`${base}/flows/${flowAlpha.id}`, { enabled: true }), 400, 'INVALID_PAYLOAD');
    assertError(await api.patch(`${base}/handlers/${hook.id}`, { enabled: true }), 400, 'INVALID_PAYLOAD');
    assert.equal((await ok(api.patch(`${base}/webhooks/${onlyAlpha.id}`, { collections: ['beta'], enabled: true }))).enabled, true);
  });

  it('has a schema apply ask for force as DELETE does, and settle the sections the snapshot leaves out', async () => {
    await collection('bins');
    await ok(api.post(`${base}/items/bins`, { label: 'full' }));
    const hook = await ok(api.post(`${base}/webhooks`, { name: 'bin-watch', url: 'https://example.com/bins', collections: ['bins'] }));
    const { collections, relations } = await ok(api.get(`${base}/schema/snapshot`));
    const snapshot = { version: 1, collections: collections.filter((c: { collection: string }) => c.collection !== 'bins'), relations };

    const history = (await ok(api.get(`${base}/schema/migrations`))).length;
    const refusedApply = await api.post(`${base}/schema/apply`, { snapshot });
    assertError(refusedApply, 409, 'CONFLICT');
    assert.deepEqual(refusedApply.body.errors[0].extensions, { code: 'CONFLICT', collection: 'bins', rows: 1, dependants: [{ kind: 'webhook', name: 'bin-watch', on_force: 'disable' }] });
    assert.equal((await ok(api.get(`${base}/schema/migrations`))).length, history);
    assertError(await api.post(`${base}/schema/apply`, { snapshot, dry_run: true }), 409, 'CONFLICT');

    assert.deepEqual((await ok(api.post(`${base}/schema/apply`, { snapshot, force: true }))).map((step: { action: string }) => step.action), ['delete_collection']);
    assertError(await api.get(`${base}/collections/bins`), 404, 'NOT_FOUND');
    assert.equal((await ok(api.get(`${base}/webhooks/${hook.id}`))).enabled, false);
  });
});
