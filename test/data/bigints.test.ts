import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { newCollection, newOwnedWorkspace, OwnedWorkspace } from '../support/factories';
import { graphqlData } from '../support/graphql';
import type { Api } from '../support/http';
import { RealtimeClient } from '../support/realtime';

type Row = Record<string, any>;

/** 2^63 − 1 and −2^63, the ends of a bigint, answered as strings of digits: numbers would round them. */
const MAX = '9223372036854775807';
const MIN = '-9223372036854775808';
/** 2^63 − 2: the same double as MAX, so a read or a filter that goes through doubles mistakes one for the other. */
const BELOW_MAX = '9223372036854775806';

/**
 * Bigints beyond 2^53 on every database: the API answers them as strings of digits (numbers up to
 * 2^53), the same digits that were written, in every read, event, revision and GraphQL answer.
 */
describeEachDatabase('bigints beyond 2^53', {}, (suite) => {
  let owned: OwnedWorkspace;
  let api: Api;
  let base: string;
  const clients: RealtimeClient[] = [];

  before(async () => {
    owned = await newOwnedWorkspace(suite.api);
    ({ api, base } = owned);
    await newCollection(api, base, {
      collection: 'ledgers',
      fields: [
        { field: 'label', type: 'string' },
        { field: 'big', type: 'bigint' },
        { field: 'small', type: 'integer' },
      ],
    });
  });

  after(() => {
    for (const client of clients) client.close();
  });

  async function create(items: Row[]): Promise<Row[]> {
    const created = await api.post(`${base}/items/ledgers`, items);
    assert.equal(created.status, 200, created.text);
    return created.body.data;
  }

  async function list(query: string): Promise<Row[]> {
    const listed = await api.get(`${base}/items/ledgers?${query}`);
    assert.equal(listed.status, 200, listed.text);
    return listed.body.data;
  }

  async function subscriber(query: Row): Promise<RealtimeClient> {
    const client = await RealtimeClient.connect(`${suite.app.url.replace('http', 'ws')}${base}/realtime`);
    clients.push(client);
    client.send({ type: 'auth', access_token: owned.owner.accessToken });
    assert.deepEqual(await client.next(), { type: 'auth', status: 'ok' });
    await client.subscribe('ledgers', query);
    return client;
  }

  it('answers 2^63 − 1 and −2^63 exactly on create, get and list', async () => {
    const [max, min] = await create([
      { label: 'max', big: MAX },
      { label: 'min', big: MIN },
    ]);
    assert.deepEqual([max.big, min.big], [MAX, MIN]);
    assert.equal((await api.get(`${base}/items/ledgers/${max.id}`)).body.data.big, MAX);
    assert.equal((await api.get(`${base}/items/ledgers/${min.id}`)).body.data.big, MIN);
    const listed = await list(`filter[id][_in]=${max.id},${min.id}&sort=id&fields=label,big`);
    assert.deepEqual(listed, [
      { id: max.id, label: 'max', big: MAX },
      { id: min.id, label: 'min', big: MIN },
    ]);
  });

  it('filters on the exact value, which a neighbour that rounds to the same double does not match', async () => {
    const [max, below, min] = await create([
      { label: 'filter max', big: MAX },
      { label: 'filter below', big: BELOW_MAX },
      { label: 'filter min', big: MIN },
    ]);
    const keys = `filter[id][_in]=${max.id},${below.id},${min.id}&sort=id&fields=label`;
    assert.deepEqual((await list(`${keys}&filter[big][_eq]=${MAX}`)).map((row) => row.id), [max.id]);
    assert.deepEqual((await list(`${keys}&filter[big][_eq]=${BELOW_MAX}`)).map((row) => row.id), [below.id]);
    assert.deepEqual((await list(`${keys}&filter[big][_in]=${MIN},${MAX}`)).map((row) => row.id), [max.id, min.id]);
    assert.deepEqual((await list(`${keys}&filter[big][_gt]=${BELOW_MAX}`)).map((row) => row.id), [max.id]);
  });

  it('keeps the exact value through an update, its revisions and the realtime events', async () => {
    const client = await subscriber({ fields: ['label', 'big'] });
    const [item] = await create([{ label: 'moving', big: MAX }]);
    assert.deepEqual(await client.next(), { type: 'subscription', event: 'create', uid: 'sub', data: [{ id: item.id, label: 'moving', big: MAX }] });

    const updated = await api.patch(`${base}/items/ledgers/${item.id}`, { big: MIN });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.body.data.big, MIN);
    assert.deepEqual(await client.next(), { type: 'subscription', event: 'update', uid: 'sub', data: [{ id: item.id, label: 'moving', big: MIN }] });

    const revisions = await api.get(`${base}/revisions?filter[collection][_eq]=ledgers&filter[item][_eq]=${item.id}&sort=created_at,id`);
    assert.equal(revisions.status, 200, revisions.text);
    assert.deepEqual(
      revisions.body.data.map((revision: Row) => [revision.data.big, revision.delta.big]),
      [
        [MAX, MAX],
        [MIN, MIN],
      ],
    );
  });

  it('sends a realtime subscriber filtering on the exact value only the item that has it', async () => {
    const client = await subscriber({ fields: ['label', 'big'], filter: { big: { _eq: MAX } } });
    const [below, max] = await create([
      { label: 'event below', big: BELOW_MAX },
      { label: 'event max', big: MAX },
    ]);
    assert.deepEqual(await client.next(), { type: 'subscription', event: 'create', uid: 'sub', data: [{ id: max.id, label: 'event max', big: MAX }] });
    assert.equal(client.pending.length, 0, `no event for ${below.id}`);
  });

  it('answers and filters the exact value in GraphQL', async () => {
    const created = await graphqlData(api, base, `mutation { create_ledgers_item(data: {label: "graphql", big: "${MAX}"}) { id big } }`);
    assert.equal(created.create_ledgers_item.big, MAX);
    const id = created.create_ledgers_item.id;
    const updated = await graphqlData(api, base, 'mutation ($id: ID!, $big: BigInt) { update_ledgers_item(id: $id, data: {big: $big}) { big } }', { id, big: MIN });
    assert.equal(updated.update_ledgers_item.big, MIN);
    const read = await graphqlData(api, base, `{ ledgers(filter: {_and: [{id: {_eq: ${id}}}, {big: {_eq: "${MIN}"}}]}) { id label big } ledgers_by_id(id: ${id}) { big } }`);
    assert.deepEqual(read, { ledgers: [{ id, label: 'graphql', big: MIN }], ledgers_by_id: { big: MIN } });
  });

  it('keeps integers that a number holds as numbers: keys, integers, bigints up to 2^53, counts and sums', async () => {
    const [item] = await create([{ label: 'numbers', big: '9007199254740991', small: 7 }]);
    assert.equal(typeof item.id, 'number');
    assert.deepEqual([item.big, item.small], [9007199254740991, 7]);
    const counted = await api.get(`${base}/items/ledgers?filter[id][_eq]=${item.id}&meta=total_count,filter_count`);
    assert.equal(counted.body.meta.filter_count, 1);
    assert.equal(typeof counted.body.meta.total_count, 'number');
    const summed = await api.get(`${base}/items/ledgers?filter[label][_eq]=numbers&aggregate[sum]=big,small&aggregate[count]=*`);
    assert.equal(summed.status, 200, summed.text);
    assert.deepEqual(summed.body.data, [{ sum: { big: 9007199254740991, small: 7 }, count: 1 }]);
  });
});
