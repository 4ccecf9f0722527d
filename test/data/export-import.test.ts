import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { newAppUser } from '../support/app-users';
import { describeEachDatabase } from '../support/app';
import { Account, addMember, assertError, newAccount, newCollection, newOwnedWorkspace, Workspace } from '../support/factories';
import type { Api, ApiResponse } from '../support/http';
import { openApiErrors } from '../support/openapi-validator';
import { multipartBody } from '../support/uploads';

/** The fields of the collections these tests export and import. */
const FIELDS = [
  { field: 'name', type: 'string', required: true },
  { field: 'kind', type: 'enum', values: ['a', 'b'] },
  { field: 'price', type: 'decimal', precision: 8, scale: 2, validation: { min: { value: 0 } } },
  { field: 'stock', type: 'integer' },
  { field: 'active', type: 'boolean' },
  { field: 'details', type: 'json' },
  { field: 'note', type: 'text' },
];

/** Values that CSV must quote or carry as they are: commas, quotes, line breaks, unicode beyond the BMP. */
const AWKWARD = ['plain', 'with, comma', 'with "quotes"', 'line\nbreak', 'crlf\r\nbreak', 'emoji 🚀 café', ' padded ', ''];

describeEachDatabase('export and import', {}, (suite) => {
  let owner: Account;
  let workspace: Workspace;
  let api: Api;
  let base: string;

  const upload = (collection: string, filename: string, type: string, content: string, query = '', as: Api = api, fields: { before?: Record<string, string>; after?: Record<string, string> } = {}): Promise<ApiResponse> => {
    const body = multipartBody({ filename, type, content, ...fields });
    return as.request('POST', `${base}/items/${collection}/import${query}`, { raw: { content: body.content, contentType: body.contentType } });
  };
  /** A collection with the fields these tests export and import. */
  const newTransferCollection = (name: string) => newCollection(api, base, { collection: name, fields: FIELDS });
  const count = async (collection: string) => (await api.get(`${base}/items/${collection}?aggregate[count]=*`)).body.data[0].count as number;

  before(async () => {
    ({ owner, workspace, api, base } = await newOwnedWorkspace(suite.api));
    await newTransferCollection('goods');
    const items = AWKWARD.map((note, index) => ({
      name: `item ${String(index).padStart(2, '0')}`,
      kind: index % 2 === 0 ? 'a' : 'b',
      price: index * 1.5,
      stock: index === 3 ? null : index,
      active: index % 3 === 0,
      details: index === 0 ? null : { tags: ['x', `y${index}`], quote: 'say "hi", ok' },
      note,
    }));
    const created = await api.post(`${base}/items/goods`, items);
    assert.equal(created.status, 200, created.text);
  });

  it('exports the filtered, sorted result as CSV with a header of the chosen fields, every page of it', async () => {
    const response = await api.get(`${base}/items/goods?export=csv&fields=name,stock&filter={"kind":{"_eq":"a"}}&sort=-name`);
    assert.equal(response.status, 200, response.text);
    assert.equal(response.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.match(response.headers.get('content-disposition') ?? '', /^attachment; filename="goods-\d{4}-\d{2}-\d{2}\.csv"/);
    assert.equal(response.text, 'name,stock\r\nitem 06,6\r\nitem 04,4\r\nitem 02,2\r\nitem 00,0\r\n');
  });

  it('exports JSON as an array of the items a list answers, across every page', async () => {
    const list = await api.get(`${base}/items/goods?fields=id,name,details&sort=name&limit=100`);
    const response = await api.get(`${base}/items/goods?export=json&fields=id,name,details&sort=name`);
    assert.equal(response.status, 200, response.text);
    assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.match(response.headers.get('content-disposition') ?? '', /filename="goods-[\d-]+\.json"/);
    assert.deepEqual(response.body, list.body.data);
    assert.equal(response.body.length, AWKWARD.length);
  });

  it('cuts an export only where limit and offset are given', async () => {
    const response = await api.get(`${base}/items/goods?export=json&fields=name&sort=name&limit=2&offset=1`);
    assert.deepEqual(response.body, [{ name: 'item 01' }, { name: 'item 02' }]);
  });

  it('quotes CSV fields per RFC 4180, keeps unicode, writes null empty and the empty string as ""', async () => {
    const response = await api.get(`${base}/items/goods?export=csv&fields=note,stock,details&sort=name`);
    const lines = response.text;
    assert.ok(lines.startsWith('note,stock,details\r\n'));
    assert.ok(lines.includes('"with, comma",1,"{""tags"":[""x"",""y1""],""quote"":""say \\""hi\\"", ok""}"\r\n'), lines);
    assert.ok(lines.includes('"with ""quotes"""'), lines);
    assert.ok(lines.includes('"line\nbreak",,'), lines);
    assert.ok(lines.includes('"crlf\r\nbreak"'), lines);
    assert.ok(lines.includes('emoji 🚀 café,5,'), lines);
    assert.ok(lines.includes('\r\n"",7,'), lines);
    assert.ok(lines.startsWith('note,stock,details\r\nplain,0,\r\n'), lines);
  });

  it('round-trips: an export imported into an empty collection exports back identical', async () => {
    const exported = await api.get(`${base}/items/goods?export=csv&fields=*&sort=name`);
    await newTransferCollection('goods_copy');
    const imported = await upload('goods_copy', 'goods.csv', 'text/csv', exported.text);
    assert.equal(imported.status, 200, imported.text);
    assert.deepEqual(imported.body.data, { rows: AWKWARD.length, errors: [] });
    const fields = 'name,kind,price,stock,active,details,note';
    const original = await api.get(`${base}/items/goods?export=csv&fields=${fields}&sort=name`);
    const copy = await api.get(`${base}/items/goods_copy?export=csv&fields=${fields}&sort=name`);
    assert.equal(copy.text, original.text);
    const json = await api.get(`${base}/items/goods?export=json&fields=${fields}&sort=name`);
    await newTransferCollection('goods_json');
    const fromJson = await upload('goods_json', 'goods.json', 'application/json', json.text);
    assert.equal(fromJson.status, 200, fromJson.text);
    assert.deepEqual((await api.get(`${base}/items/goods_json?export=json&fields=${fields}&sort=name`)).body, json.body);
  });

  it('imports through the create path: system fields set, activity and revisions written', async () => {
    await newTransferCollection('audited');
    const imported = await upload('audited', 'a.json', 'application/json', JSON.stringify([{ name: 'one', kind: 'a' }, { name: 'two' }]));
    assert.equal(imported.status, 200, imported.text);
    const items = (await api.get(`${base}/items/audited?sort=name`)).body.data;
    assert.deepEqual(items.map((item: { name: string }) => item.name), ['one', 'two']);
    assert.equal(items[0].created_by, owner.id);
    const activity = await api.get(`${base}/activity?filter={"collection":{"_eq":"audited"}}`);
    assert.equal(activity.body.data.length, 2);
    assert.ok(activity.body.data.every((entry: { action: string }) => entry.action === 'create'));
    const revisions = await api.get(`${base}/revisions?filter={"collection":{"_eq":"audited"}}`);
    assert.equal(revisions.body.data.length, 2);
  });

  it('refuses a file with a bad value with 400 naming its row and column, and writes nothing', async () => {
    await newTransferCollection('strict');
    const csv = 'name,stock,price\r\nfine,1,2\r\nalso fine,2,3\r\nbroken,many,4\r\n';
    const refused = await upload('strict', 's.csv', 'text/csv', csv);
    assertError(refused, 400, 'INVALID_PAYLOAD');
    assert.equal(refused.body.errors[0].extensions.row, 3);
    assert.equal(refused.body.errors[0].extensions.field, 'stock');
    assert.match(refused.body.errors[0].message, /row 3, column "stock"/);
    const rule = await upload('strict', 's.json', 'application/json', JSON.stringify([{ name: 'ok' }, { name: 'cheap', price: -1 }]));
    assertError(rule, 400, 'INVALID_PAYLOAD');
    assert.deepEqual([rule.body.errors[0].extensions.row, rule.body.errors[0].extensions.field], [2, 'price']);
    assert.equal(await count('strict'), 0);
  });

  it('refuses an unknown column with 400 naming it, and malformed files naming the row', async () => {
    await newTransferCollection('shapes');
    const unknown = await upload('shapes', 'u.csv', 'text/csv', 'name,colour\r\nx,red\r\n');
    assertError(unknown, 400, 'INVALID_PAYLOAD');
    assert.equal(unknown.body.errors[0].extensions.field, 'colour');
    const ragged = await upload('shapes', 'r.csv', 'text/csv', 'name,stock\r\nx,1\r\ny,2,3\r\n');
    assertError(ragged, 400, 'INVALID_PAYLOAD');
    assert.equal(ragged.body.errors[0].extensions.row, 2);
    const unclosed = await upload('shapes', 'q.csv', 'text/csv', 'name,stock\r\nx,1\r\n"y,2\r\n');
    assertError(unclosed, 400, 'INVALID_PAYLOAD');
    const badJson = await upload('shapes', 'b.json', 'application/json', '[{"name":"x"}, {"name": }]');
    assertError(badJson, 400, 'INVALID_PAYLOAD');
    assert.equal(badJson.body.errors[0].extensions.row, 2);
    const notArray = await upload('shapes', 'o.json', 'application/json', '{"name":"x"}');
    assertError(notArray, 400, 'INVALID_PAYLOAD');
    const badJsonCell = await upload('shapes', 'j.csv', 'text/csv', 'name,details\r\nx,{not json}\r\n');
    assertError(badJsonCell, 400, 'INVALID_PAYLOAD');
    assert.deepEqual([badJsonCell.body.errors[0].extensions.row, badJsonCell.body.errors[0].extensions.field], [1, 'details']);
    assertError(await upload('shapes', 'x.txt', 'text/plain', 'name\r\nx\r\n'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    assertError(await api.post(`${base}/items/shapes/import`, [{ name: 'x' }]), 415, 'UNSUPPORTED_MEDIA_TYPE');
    assert.equal(await count('shapes'), 0);
  });

  it('reads an empty CSV field as null and a quoted "" as the empty string, wherever they are', async () => {
    await newTransferCollection('empties');
    const csv = 'name,note,kind\r\nn1,"",\r\nn2,,a\r\n"n3,""q""","",\r\nn4,"a,""",\r\n"n5""",,\r\n,"",b\r\n';
    const dry = await upload('empties', 'e.csv', 'text/csv', csv, '?dry_run=true');
    assert.deepEqual(dry.body.data.errors.map((error: { row: number; field: string }) => [error.row, error.field]), [[6, 'name']]);
    const imported = await upload('empties', 'e.csv', 'text/csv', csv.replace('\r\n,"",b\r\n', '\r\n'));
    assert.equal(imported.status, 200, imported.text);
    assert.deepEqual((await api.get(`${base}/items/empties?export=json&fields=name,note&sort=id`)).body, [
      { name: 'n1', note: '' },
      { name: 'n2', note: null },
      { name: 'n3,"q"', note: '' },
      { name: 'n4', note: 'a,"' },
      { name: 'n5"', note: null },
    ]);
  });

  it('refuses a bad row or a taken unique value found after batches were written, and writes nothing', async () => {
    await newTransferCollection('late');
    assert.equal((await api.post(`${base}/fields/late`, { field: 'code', type: 'string', unique: true })).status, 201);
    const file = (row: (index: number) => string) => `name,stock,code\r\n${Array.from({ length: 1200 }, (_, index) => row(index + 1)).join('\r\n')}\r\n`;
    const badLate = await upload('late', 'l.csv', 'text/csv', file((index) => `row ${index},${index === 1100 ? 'lots' : index},c${index}`));
    assertError(badLate, 400, 'INVALID_PAYLOAD');
    assert.deepEqual([badLate.body.errors[0].extensions.row, badLate.body.errors[0].extensions.field], [1100, 'stock']);
    assert.equal(await count('late'), 0);
    const taken = await upload('late', 't.csv', 'text/csv', file((index) => `row ${index},${index},c${index === 20 ? 10 : index}`));
    assertError(taken, 409, 'CONFLICT');
    assert.equal(await count('late'), 0);
    const fine = await upload('late', 'f.csv', 'text/csv', file((index) => `row ${index},${index},c${index}`));
    assert.deepEqual(fine.body.data, { rows: 1200, errors: [] });
    assert.equal(await count('late'), 1200);
  });

  it('exports sorted by a field across batches: ties and nulls in Cairn\'s order, every row once', async () => {
    await newTransferCollection('sorted');
    const stockOf = (id: number) => (id % 7 === 0 ? null : id % 50);
    const lines = ['name,stock'];
    for (let id = 1; id <= 2500; id++) lines.push(`n${id},${stockOf(id) ?? ''}`);
    assert.equal((await upload('sorted', 's.csv', 'text/csv', `${lines.join('\r\n')}\r\n`)).status, 200);
    const ids = Array.from({ length: 2500 }, (_, index) => index + 1);
    // NULLs first ascending and last descending; ties by the key, ascending unless the sort names it.
    const rank = (id: number) => stockOf(id) ?? -1;
    const expected = {
      stock: [...ids].sort((a, b) => rank(a) - rank(b) || a - b),
      '-stock': [...ids].sort((a, b) => rank(b) - rank(a) || a - b),
      'stock,-id': [...ids].sort((a, b) => rank(a) - rank(b) || b - a),
      '-name': [...ids].sort((a, b) => (`n${b}` < `n${a}` ? -1 : `n${b}` > `n${a}` ? 1 : 0)),
    };
    for (const [sort, order] of Object.entries(expected)) {
      const exported = await api.get(`${base}/items/sorted?export=json&fields=id,stock&sort=${sort}`);
      assert.equal(exported.status, 200, exported.text);
      assert.deepEqual(exported.body.map((item: { id: number }) => item.id), order, sort);
      assert.ok(exported.body.every((item: { id: number; stock: number | null }) => item.stock === stockOf(item.id)));
    }
    const csv = await api.get(`${base}/items/sorted?export=csv&fields=name&sort=-stock&offset=700`);
    assert.equal(csv.text, `name\r\n${expected['-stock'].slice(700).map((id) => `n${id}`).join('\r\n')}\r\n`);
  });

  it('maps the file\'s columns to fields with a "mapping" field, skipping the columns mapped to null or ""', async () => {
    await newTransferCollection('mapped');
    const mapping = JSON.stringify({ Title: 'name', Qty: 'stock', Comment: null, Extra: '' });
    const csv = 'Title,Qty,Comment,Extra,price\r\nfirst,1,ignored,x,2.5\r\nsecond,,ignored,y,\r\n';
    const dry = await upload('mapped', 'm.csv', 'text/csv', csv, '?dry_run=true', api, { before: { mapping } });
    assert.deepEqual(dry.body.data, { rows: 2, errors: [] });
    assert.equal(await count('mapped'), 0);
    const imported = await upload('mapped', 'm.csv', 'text/csv', csv, '', api, { before: { mapping } });
    assert.equal(imported.status, 200, imported.text);
    assert.deepEqual(imported.body.data, { rows: 2, errors: [] });
    const items = (await api.get(`${base}/items/mapped?export=json&fields=name,stock,price,note&sort=name`)).body;
    assert.deepEqual(items, [
      { name: 'first', stock: 1, price: 2.5, note: null },
      { name: 'second', stock: null, price: null, note: null },
    ]);
    const json = JSON.stringify([{ label: 'third', amount: 3, junk: true }]);
    const fromJson = await upload('mapped', 'm.json', 'application/json', json, '', api, { before: { mapping: JSON.stringify({ label: 'name', amount: 'stock', junk: null }) } });
    assert.equal(fromJson.status, 200, fromJson.text);
    assert.deepEqual((await api.get(`${base}/items/mapped?export=json&fields=name,stock&filter={"name":{"_eq":"third"}}`)).body, [{ name: 'third', stock: 3 }]);
    // A dry run's failures name the field the column goes to.
    const badRow = await upload('mapped', 'b.csv', 'text/csv', 'Title,Qty\r\nok,1\r\nbad,lots\r\n', '?dry_run=true', api, { before: { mapping } });
    assert.deepEqual(badRow.body.data.errors.map((error: { row: number; field: string }) => [error.row, error.field]), [[2, 'stock']]);
    assert.equal(await count('mapped'), 3);
  });

  it('refuses a bad mapping with 400 naming it, and writes nothing', async () => {
    await newTransferCollection('mapped_bad');
    const csv = 'Title,Qty\r\nx,1\r\n';
    const notJson = await upload('mapped_bad', 'm.csv', 'text/csv', csv, '', api, { before: { mapping: '{nope' } });
    assertError(notJson, 400, 'INVALID_PAYLOAD');
    assert.equal(notJson.body.errors[0].extensions.field, 'mapping');
    const notString = await upload('mapped_bad', 'm.csv', 'text/csv', csv, '', api, { before: { mapping: JSON.stringify({ Title: 5 }) } });
    assertError(notString, 400, 'INVALID_PAYLOAD');
    assert.equal(notString.body.errors[0].extensions.field, 'mapping.Title');
    const unknownField = await upload('mapped_bad', 'm.csv', 'text/csv', csv, '', api, { before: { mapping: JSON.stringify({ Title: 'name', Qty: 'colour' }) } });
    assertError(unknownField, 400, 'INVALID_PAYLOAD');
    assert.equal(unknownField.body.errors[0].extensions.field, 'mapping.Qty');
    assert.match(unknownField.body.errors[0].message, /"colour"/);
    const unmapped = await upload('mapped_bad', 'm.csv', 'text/csv', csv, '', api, { before: { mapping: JSON.stringify({ Title: 'name' }) } });
    assertError(unmapped, 400, 'INVALID_PAYLOAD');
    assert.equal(unmapped.body.errors[0].extensions.field, 'Qty');
    const twice = await upload('mapped_bad', 'm.csv', 'text/csv', csv, '', api, { before: { mapping: JSON.stringify({ Title: 'name', Qty: 'name' }) } });
    assertError(twice, 400, 'INVALID_PAYLOAD');
    assert.equal(twice.body.errors[0].extensions.field, 'name');
    const after = await upload('mapped_bad', 'm.csv', 'text/csv', csv, '', api, { after: { mapping: JSON.stringify({ Title: 'name', Qty: 'stock' }) } });
    assertError(after, 400, 'INVALID_PAYLOAD');
    assert.equal(await count('mapped_bad'), 0);
  });

  it('places a JSON file\'s faults: not an array, empty, a bad element by its row, unclosed, trailing text', async () => {
    await newTransferCollection('json_faults');
    const fault = async (content: string) => {
      const response = await upload('json_faults', 'f.json', 'application/json', content);
      assertError(response, 400, 'INVALID_PAYLOAD');
      return { message: response.body.errors[0].message as string, row: response.body.errors[0].extensions.row as number | undefined };
    };
    assert.match((await fault('')).message, /the file is empty/);
    assert.match((await fault('"text"')).message, /a JSON import is an array of objects/);
    assert.deepEqual(await fault('[{"name":"a"},{"name":"b"},{"name":]'), { message: 'Invalid payload: row 3 of the JSON array is not valid JSON.', row: 3 });
    assert.deepEqual(await fault('[{"name":"a"},{"name":"b"}'), { message: 'Invalid payload: the JSON array ends without its closing bracket after row 2.', row: 3 });
    assert.match((await fault('[{"name":"a"}] [{"name":"b"}]')).message, /goes on after its array/);
    const elements = Array.from({ length: 3000 }, (_, index) => JSON.stringify({ name: `n${index}`, note: 'x'.repeat(40) }));
    elements[2400] = '{"name": tru}';
    assert.deepEqual((await fault(`[${elements.join(',\n')}]`)).row, 2401);
    assert.deepEqual((await fault('[{"name":"a"},{"name":"b","__proto__":{"x":1}}]')).row, 2);
    assert.equal(await count('json_faults'), 0);
    const fine = await upload('json_faults', 'f.json', 'application/json', '\uFEFF[{"name":"é 🚀","details":{"a":[1,{"b":null}]}},{"name":"\\"q\\""}]');
    assert.equal(fine.status, 200, fine.text);
    assert.deepEqual((await api.get(`${base}/items/json_faults?export=json&fields=name,details&sort=id`)).body, [
      { name: 'é 🚀', details: { a: [1, { b: null }] } },
      { name: '"q"', details: null },
    ]);
  });

  it('takes the format from the extension when the type says nothing', async () => {
    await newTransferCollection('by_name');
    const imported = await upload('by_name', 'rows.csv', 'application/octet-stream', 'name\r\nx\r\n');
    assert.equal(imported.status, 200, imported.text);
    assert.equal(await count('by_name'), 1);
  });

  it('dry-runs a 5,000-row CSV naming its 3 bad rows and writing nothing, then imports it fixed', async () => {
    await newTransferCollection('bulk');
    const bad = new Map([
      [17, 'x,many,1'],
      [2500, ',2,3'],
      [4999, 'y,3,-5'],
    ]);
    const file = (broken: boolean) => {
      const lines = ['name,stock,price'];
      for (let row = 1; row <= 5000; row++) lines.push(broken && bad.has(row) ? bad.get(row)! : `row ${row},${row},${row % 100}`);
      return `${lines.join('\r\n')}\r\n`;
    };
    const dry = await upload('bulk', 'bulk.csv', 'text/csv', file(true), '?dry_run=true');
    assert.equal(dry.status, 200, dry.text);
    assert.equal(dry.body.data.rows, 5000);
    assert.deepEqual(
      dry.body.data.errors.map((error: { row: number; field: string }) => [error.row, error.field]),
      [
        [17, 'stock'],
        [2500, 'name'],
        [4999, 'price'],
      ],
    );
    assert.ok(dry.body.data.errors.every((error: { message: string }) => error.message.length > 0));
    assert.equal(await count('bulk'), 0);
    const refused = await upload('bulk', 'bulk.csv', 'text/csv', file(true));
    assertError(refused, 400, 'INVALID_PAYLOAD');
    assert.equal(refused.body.errors[0].extensions.row, 17);
    assert.equal(await count('bulk'), 0);
    const fixedDry = await upload('bulk', 'bulk.csv', 'text/csv', file(false), '?dry_run=true');
    assert.deepEqual(fixedDry.body.data, { rows: 5000, errors: [] });
    const imported = await upload('bulk', 'bulk.csv', 'text/csv', file(false));
    assert.equal(imported.status, 200, imported.text);
    assert.deepEqual(imported.body.data, { rows: 5000, errors: [] });
    assert.equal(await count('bulk'), 5000);
    // Sorted by a field (offset batches) and by the key (keyset batches), every one of the 5 batches.
    const exported = await api.get(`${base}/items/bulk?export=csv&fields=name,stock,price&sort=stock`);
    assert.equal(exported.text, file(false));
    const byKey = await api.get(`${base}/items/bulk?export=json&fields=stock`);
    assert.deepEqual(byKey.body.map((item: { stock: number }) => item.stock), Array.from({ length: 5000 }, (_, index) => index + 1));
  });

  it('applies the caller\'s policies: a restricted role exports only its rows and fields, and imports only with a create grant', async () => {
    const policy = await api.post(`${base}/policies`, { role: 'authenticated', collection: 'goods', action: 'read', filter: { kind: { _eq: 'b' } }, fields: ['name', 'kind'] });
    assert.equal(policy.status, 201, policy.text);
    const user = await newAppUser(suite.api, base);
    const asUser = suite.api.as(user.accessToken);
    const exported = await asUser.get(`${base}/items/goods?export=json&sort=name`);
    assert.equal(exported.status, 200, exported.text);
    assert.deepEqual(
      exported.body.map((item: Record<string, unknown>) => Object.keys(item).sort().join(',')),
      ['id,kind,name', 'id,kind,name', 'id,kind,name', 'id,kind,name'],
    );
    assert.deepEqual(exported.body.map((item: { name: string }) => item.name), ['item 01', 'item 03', 'item 05', 'item 07']);
    const csv = await asUser.get(`${base}/items/goods?export=csv&fields=name,kind&sort=name`);
    assert.equal(csv.text, 'name,kind\r\nitem 01,b\r\nitem 03,b\r\nitem 05,b\r\nitem 07,b\r\n');
    assertError(await asUser.get(`${base}/items/goods?export=csv&fields=price`), 400, 'INVALID_QUERY');
    assertError(await upload('goods', 'g.csv', 'text/csv', 'name\r\nmine\r\n', '', asUser), 403, 'FORBIDDEN');
  });

  it('lets a viewer export but not import', async () => {
    const viewer = await newAccount(suite.api, 'viewer');
    await addMember(suite.api, workspace, owner, viewer, 'viewer');
    const asViewer = suite.api.as(viewer.accessToken);
    const exported = await asViewer.get(`${base}/items/goods?export=csv&fields=name&limit=1&sort=name`);
    assert.equal(exported.text, 'name\r\nitem 00\r\n');
    assertError(await upload('goods', 'g.csv', 'text/csv', 'name\r\nx\r\n', '', asViewer), 403, 'FORBIDDEN');
  });

  it('describes export and import in the workspace OpenAPI document', async () => {
    const document = (await api.get(`${base}/openapi.json`)).body;
    assert.deepEqual(await openApiErrors(document), []);
    assert.ok(document.paths['/items/goods'].get.parameters.some((parameter: { $ref: string }) => parameter.$ref === '#/components/parameters/export'));
    assert.ok(document.paths['/items/goods/import'].post.requestBody.content['multipart/form-data']);
    const platform = (await suite.api.get('/api/docs-json')).body;
    assert.ok(platform.paths['/api/v1/w/{ws}/items/{collection}/import'].post);
  });

  it('refuses an unknown export format and aggregates', async () => {
    assertError(await api.get(`${base}/items/goods?export=xml`), 400, 'INVALID_QUERY');
    assertError(await api.get(`${base}/items/goods?export=csv&aggregate[count]=*`), 400, 'INVALID_QUERY');
  });
});

describeEachDatabase('import size limit', { env: { FILES_MAX_SIZE: '2kb' } }, (suite) => {
  it('refuses a file beyond FILES_MAX_SIZE with 413 and writes nothing', async () => {
    const { api, base } = await newOwnedWorkspace(suite.api);
    await newCollection(api, base, { collection: 'big', fields: [{ field: 'name', type: 'string' }] });
    const lines = ['name'];
    for (let row = 0; row < 500; row++) lines.push(`row ${row}`);
    const body = multipartBody({ filename: 'big.csv', type: 'text/csv', content: lines.join('\n') });
    assertError(await api.request('POST', `${base}/items/big/import`, { raw: { content: body.content, contentType: body.contentType } }), 413, 'PAYLOAD_TOO_LARGE');
    assert.equal((await api.get(`${base}/items/big?aggregate[count]=*`)).body.data[0].count, 0);
  });
});
