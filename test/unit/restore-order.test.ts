import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dependencyOrder } from '../../src/modules/backup/restore-order';
import type { RelationDef, WorkspaceSchema } from '../../src/modules/schema/schema.types';
import { collectionDef, fieldDef } from '../support/schema-fixture';

/** A schema of these collections, each with the many-to-ones given as `collection.field → related`. */
function schema(names: string[], links: Array<[string, string, string]>): WorkspaceSchema {
  const relations: RelationDef[] = links.map(([collection, field, related]) => ({ id: `${collection}.${field}`, collection, field, relatedCollection: related, onDelete: 'SET NULL', oneField: null, junction: null }));
  const collections = names.map((name) => collectionDef(name, links.filter(([collection]) => collection === name).map(([, field]) => fieldDef(field, 'integer'))));
  return { workspaceId: 'ws', version: 1, collections: new Map(collections.map((c) => [c.name, c])), relations, indexes: [] };
}

describe('the order of a backup\'s collections', () => {
  it('puts every collection after those its many-to-ones lead to, junctions after both sides', () => {
    const turns = dependencyOrder(schema(['posts', 'posts_tags', 'authors', 'tags'], [['posts', 'author', 'authors'], ['posts_tags', 'posts_id', 'posts'], ['posts_tags', 'tags_id', 'tags']]));
    assert.deepEqual(turns, [
      { collection: 'authors', deferred: [] },
      { collection: 'posts', deferred: [] },
      { collection: 'tags', deferred: [] },
      { collection: 'posts_tags', deferred: [] },
    ]);
  });

  it('defers a reference to the same collection (a tree) to the links', () => {
    assert.deepEqual(dependencyOrder(schema(['categories'], [['categories', 'parent', 'categories']])), [{ collection: 'categories', deferred: ['parent'] }]);
  });

  it('breaks a cycle at the first collection by name, deferring only its references to later ones', () => {
    const turns = dependencyOrder(schema(['teams', 'people', 'notes'], [['people', 'team', 'teams'], ['teams', 'lead', 'people'], ['notes', 'about', 'people']]));
    assert.deepEqual(turns, [
      { collection: 'people', deferred: ['team'] },
      { collection: 'notes', deferred: [] },
      { collection: 'teams', deferred: [] },
    ]);
  });
});
