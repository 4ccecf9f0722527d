import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { assertError, newAccount, newCollection, newOwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';
import { openApiErrors } from '../support/openapi-validator';

describeEachDatabase('workspace OpenAPI document', {}, (suite) => {
  let api: Api;
  let base: string;
  before(async () => {
    ({ api, base } = await newOwnedWorkspace(suite.api));
    await newCollection(api, base, { collection: 'authors', fields: [{ field: 'name', type: 'string', required: true }] });
    await newCollection(api, base, { collection: 'posts', fields: [{ field: 'title', type: 'string', length: 80 }, { field: 'status', type: 'enum', values: ['draft', 'live'] }] });
    await api.post(`${base}/relations`, { collection: 'posts', field: 'author', related_collection: 'authors', one_field: 'posts' });
  });

  it('describes every collection\'s routes, item and input schemas', async () => {
    const response = await api.get(`${base}/openapi.json`);
    assert.equal(response.status, 200, response.text);
    const document = response.body;
    assert.equal(document.openapi, '3.0.3');
    for (const collection of ['authors', 'posts']) {
      assert.deepEqual(Object.keys(document.paths[`/items/${collection}`]).sort(), ['delete', 'get', 'patch', 'post']);
      assert.deepEqual(Object.keys(document.paths[`/items/${collection}/{id}`]).sort(), ['delete', 'get', 'patch']);
    }
    const posts = document.components.schemas.posts.properties;
    assert.deepEqual(posts.status.enum, ['draft', 'live']);
    assert.equal(posts.title.maxLength, 80);
    assert.ok(posts.author.oneOf.some((s: { $ref?: string }) => s.$ref === '#/components/schemas/authors'));
    assert.equal(document.components.schemas.authors.properties.posts.type, 'array');
    assert.deepEqual(document.components.schemas.authors_input.required, ['name']);
    assert.equal(document.components.schemas.authors_input.properties.id, undefined);
    const listParameters = document.paths['/items/posts'].get.parameters.map((p: { $ref: string }) => p.$ref.split('/').pop());
    assert.deepEqual(listParameters, ['fields', 'filter', 'sort', 'limit', 'offset', 'page', 'search', 'meta', 'aggregate', 'groupBy', 'deep', 'export']);
  });

  it('is a valid OpenAPI document for a schema with every field type, relations and a view', async () => {
    await newCollection(api, base, {
      collection: 'everything',
      primary_key: 'uuid',
      fields: [
        { field: 'a_string', type: 'string', length: 40, required: true, validation: { min_length: 2, regex: '^[a-z]+$' } },
        { field: 'a_text', type: 'text' },
        { field: 'an_integer', type: 'integer', validation: { min: 0, max: 10 } },
        { field: 'a_bigint', type: 'bigint' },
        { field: 'a_float', type: 'float' },
        { field: 'a_decimal', type: 'decimal', precision: 10, scale: 2 },
        { field: 'a_boolean', type: 'boolean', default: false },
        { field: 'a_date', type: 'date' },
        { field: 'a_datetime', type: 'datetime' },
        { field: 'a_time', type: 'time' },
        { field: 'a_json', type: 'json' },
        { field: 'a_uuid', type: 'uuid' },
        { field: 'an_enum', type: 'enum', values: ['x', 'y'] },
        { field: 'a_code', type: 'autocode', autocode: { prefix: 'EV-', padding: 4 } },
      ],
    });
    const tagged = await api.post(`${base}/relations`, { collection: 'posts', field: 'everything', related_collection: 'everything', one_field: 'posts' });
    assert.equal(tagged.status, 201, tagged.text);
    const view = await api.post(`${base}/views`, { name: 'post_counts', source: 'posts', groupBy: ['status'], aggregate: { count: ['*'] } });
    assert.equal(view.status, 201, view.text);
    const document = (await api.get(`${base}/openapi.json`)).body;
    assert.deepEqual(await openApiErrors(document), []);
  });

  it('is regenerated when the schema changes', async () => {
    await api.post(`${base}/fields/posts`, { field: 'rating', type: 'integer' });
    await newCollection(api, base, { collection: 'tags', fields: [{ field: 'label', type: 'string' }] });
    let document = (await api.get(`${base}/openapi.json`)).body;
    assert.equal(document.components.schemas.posts.properties.rating.type, 'integer');
    assert.ok(document.paths['/items/tags']);
    await api.delete(`${base}/collections/tags`);
    document = (await api.get(`${base}/openapi.json`)).body;
    assert.equal(document.paths['/items/tags'], undefined);
  });

  it('is for members only, and has a Swagger UI page', async () => {
    const outsider = await newAccount(suite.api, 'outsider');
    assertError(await suite.api.get(`${base}/openapi.json`, { token: outsider.accessToken }), 404, 'NOT_FOUND');
    const page = await suite.api.get(`${base}/docs`);
    assert.equal(page.status, 200);
    assert.match(page.text, /SwaggerUIBundle/);
    assert.equal((await suite.api.get('/api/docs/swagger-ui-bundle.js')).status, 200);
  });
});
