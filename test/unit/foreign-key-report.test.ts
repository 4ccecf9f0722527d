import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../src/common/errors/app-error';
import { explainPostgresViolation } from '../../src/engine/write/foreign-key-conflicts';
import { blogSchema } from '../support/schema-fixture';

/** A foreign-key violation as PostgreSQL reports it, with its detail. */
const violation = (detail: string) => Object.assign(new Error('violates foreign key constraint'), { code: '23503', detail });

describe('explaining a foreign-key violation from PostgreSQL\'s report', () => {
  const schema = blogSchema();
  const junction = schema.collections.get('articles_tags')!;
  const articles = schema.collections.get('articles')!;

  it('names the item of a batch whose related key is missing, as the read-based explanation does', () => {
    const items = [
      { where: '0', values: { articles_id: 1, tags_id: 3 } },
      { where: '1', values: { articles_id: 1, tags_id: 424242 } },
    ];
    const error = explainPostgresViolation(schema, junction, { items }, violation('Key (tags_id)=(424242) is not present in table "cw_test_tags".'));
    assert.ok(error instanceof AppError);
    assert.equal(error.code, 'CONFLICT');
    assert.equal(error.message, '"tags_id": no item 424242 in "tags".');
    assert.deepEqual(error.extensions, { field: '1.tags_id' });
  });

  it('reads the detail through the wrapper TypeORM puts around the driver\'s error', () => {
    const wrapped = { driverError: violation('Key (author)=(7) is not present in table "cw_test_authors".') };
    const error = explainPostgresViolation(schema, articles, { items: [{ where: '', values: { title: 'a', author: 7 } }] }, wrapped);
    assert.deepEqual(error?.extensions, { field: 'author' });
  });

  it('names the relation that restricts a delete', () => {
    const restricted = { ...schema, relations: schema.relations.map((r) => (r.id === 'r2' ? { ...r, onDelete: 'RESTRICT' as const } : r)) };
    const error = explainPostgresViolation(restricted, articles, { deleted: [5] }, violation('Key (id)=(5) is still referenced from table "cw_test_comments".'));
    assert.deepEqual(error?.extensions, { collection: 'comments', field: 'article' });
    assert.match(error!.message, /^Item 5 of "articles" is still referred to by "comments" through "article"/);
  });

  it('explains nothing the write did not name, or a report it does not read', () => {
    const items = [{ where: '', values: { title: 'a', author: 7 } }];
    assert.equal(explainPostgresViolation(schema, articles, { items }, violation('Key (author)=(8) is not present in table "cw_test_authors".')), null);
    assert.equal(explainPostgresViolation(schema, articles, { items }, violation('something else')), null);
    assert.equal(explainPostgresViolation(schema, articles, { items }, new Error('no detail')), null);
  });
});
