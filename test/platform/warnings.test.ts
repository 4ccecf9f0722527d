import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../support/app';
import { newCollection, newOwnedWorkspace } from '../support/factories';
import type { Api } from '../support/http';

/**
 * Every warning this process emits, from before the suites' apps start. A deprecation is reported once
 * per process, so the start and each schema change below are checked in the order they first happen.
 */
const warnings: Error[] = [];
process.on('warning', (warning) => warnings.push(warning));

/** The deprecation warnings emitted since the `from`th warning, once the ones already raised have been delivered. */
async function deprecations(from = 0): Promise<string[]> {
  await new Promise((resolve) => setImmediate(resolve));
  return warnings
    .slice(from)
    .filter((warning) => warning.name === 'DeprecationWarning')
    .map((warning) => warning.message);
}

describeEachDatabase('process warnings', {}, (suite) => {
  let api: Api;
  let base: string;

  before(async () => {
    ({ api, base } = await newOwnedWorkspace(suite.api));
  });

  it('starts on a fresh database without a deprecation warning', async () => {
    assert.deepEqual(await deprecations(), []);
  });

  it('changes a schema (collections, fields, indexes, relations) without a deprecation warning', async () => {
    const from = warnings.length;
    for (const collection of ['authors', 'books']) {
      await newCollection(api, base, { collection, fields: [{ field: 'name', type: 'string' }] });
    }
    const field = await api.post(`${base}/fields/books`, { field: 'pages', type: 'integer', index: true });
    assert.equal(field.status, 201, field.text);
    const unique = await api.patch(`${base}/fields/books/name`, { unique: true });
    assert.equal(unique.status, 200, unique.text);
    const relation = await api.post(`${base}/relations`, { collection: 'books', field: 'author', related_collection: 'authors', on_delete: 'SET NULL' });
    assert.equal(relation.status, 201, relation.text);
    assert.equal((await api.delete(`${base}/fields/books/pages`)).status, 204);
    assert.equal((await api.delete(`${base}/relations/books/author`)).status, 204);
    assert.deepEqual(await deprecations(from), []);
  });
});
