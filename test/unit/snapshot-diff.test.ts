import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFieldInput } from '../../src/modules/schema/field-input';
import type { CollectionDef, RelationDef, WorkspaceSchema } from '../../src/modules/schema/schema.types';
import { parseSchemaSnapshot, schemaSnapshot, schemaSteps, wantedSchema } from '../../src/modules/schema/snapshot.diff';
import { collectionDef } from '../support/schema-fixture';

/** A field as a snapshot holds it once read: every option, at its default unless given. */
function field(name: string, type: string, options: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    field: name,
    type,
    required: false,
    unique: false,
    index: false,
    default: null,
    length: type === 'string' ? 255 : null,
    precision: null,
    scale: null,
    values: null,
    autocode: null,
    validation: {},
    note: null,
    ...options,
  };
}

/** A collection whose fields were given as the API takes them. */
function collection(name: string, fields: Array<Record<string, unknown>>): CollectionDef {
  return collectionDef(name, fields.map((input) => parseFieldInput(input, name)));
}

/** The workspace before: authors, posts (each post by an author), notes, and a feed index on posts. */
function before(): WorkspaceSchema {
  const collections = [
    collection('authors', [{ field: 'name', type: 'string' }, { field: 'email', type: 'string' }]),
    collection('posts', [{ field: 'title', type: 'string', required: true }, { field: 'body', type: 'text' }, { field: 'author', type: 'integer' }]),
    collection('notes', [{ field: 'body', type: 'text' }]),
  ];
  const relations: RelationDef[] = [{ id: 'r1', collection: 'posts', field: 'author', relatedCollection: 'authors', onDelete: 'SET NULL', oneField: 'posts', junction: null }];
  return {
    workspaceId: '0b7a3c1e-5d2f-4e8a-9c6b-1a2b3c4d5e6f',
    version: 7,
    collections: new Map(collections.map((c) => [c.name, c])),
    relations,
    indexes: [{ collection: 'posts', name: 'feed', fields: [{ field: 'title', descending: false }], unique: false }],
  };
}

/** The steps from `current` to the snapshot document `after`, as the service plans them. */
function steps(current: WorkspaceSchema, after: unknown) {
  const target = parseSchemaSnapshot(after);
  return schemaSteps(current, target, wantedSchema(current, target));
}

describe('snapshot diff', () => {
  it('plans every kind of schema step, in the order they must run', () => {
    const after = {
      version: 2,
      collections: [
        { collection: 'authors', primary_key: 'integer', note: 'Writers', fields: [{ field: 'name', type: 'string' }, { field: 'bio', type: 'text' }] },
        { collection: 'posts', primary_key: 'integer', note: null, fields: [{ field: 'title', type: 'string', required: true, length: 200 }, { field: 'body', type: 'text' }, { field: 'author', type: 'integer' }] },
        { collection: 'tags', primary_key: 'uuid', note: null, fields: [{ field: 'label', type: 'string', unique: true }] },
      ],
      relations: [{ collection: 'posts', field: 'author', related_collection: 'authors', on_delete: 'CASCADE', one_field: 'posts' }],
      indexes: [
        { collection: 'posts', name: 'feed', fields: ['-title'], unique: false },
        { collection: 'tags', name: 'by_label', fields: ['label'], unique: true },
      ],
    };
    assert.deepEqual(steps(before(), after), [
      // The feed index changes its order: it goes first, before the fields it uses may go.
      { action: 'delete_index', collection: 'posts', name: 'feed' },
      // A relation that differs is dropped and made again.
      { action: 'delete_relation', collection: 'posts', field: 'author' },
      { action: 'delete_field', collection: 'authors', field: 'email' },
      { action: 'delete_collection', collection: 'notes' },
      { action: 'update_collection', collection: 'authors', note: 'Writers' },
      { action: 'create_field', collection: 'authors', field: field('bio', 'text') },
      { action: 'update_field', collection: 'posts', field: 'title', to: field('title', 'string', { required: true, length: 200, validation: { required: true } }) },
      { action: 'create_collection', collection: 'tags', primary_key: 'uuid', note: null, fields: [field('label', 'string', { unique: true })] },
      { action: 'create_relation', relation: { collection: 'posts', field: 'author', related_collection: 'authors', on_delete: 'CASCADE', one_field: 'posts', junction: null } },
      // Indexes are made last, once their collections and fields exist.
      { action: 'create_index', collection: 'posts', index: { name: 'feed', fields: ['-title'], unique: false } },
      { action: 'create_index', collection: 'tags', index: { name: 'by_label', fields: ['label'], unique: true } },
    ]);
  });

  it('plans nothing for a snapshot of the same workspace', () => {
    const current = before();
    assert.deepEqual(steps(current, JSON.parse(JSON.stringify(schemaSnapshot(current)))), []);
  });

  it('leaves the indexes alone when the snapshot has none (version 1), but for those of a dropped collection', () => {
    const current = before();
    const snapshot = schemaSnapshot(current);
    const { indexes: _indexes, ...withoutIndexes } = { ...snapshot, version: 1 };
    assert.deepEqual(steps(current, JSON.parse(JSON.stringify(withoutIndexes))), []);
    const withoutPosts = {
      ...withoutIndexes,
      collections: snapshot.collections.filter((c) => c.collection !== 'posts'),
      relations: [],
    };
    // The feed index goes with the posts table; no step of its own.
    assert.deepEqual(steps(current, JSON.parse(JSON.stringify(withoutPosts))), [
      { action: 'delete_relation', collection: 'posts', field: 'author' },
      { action: 'delete_collection', collection: 'posts' },
    ]);
  });

  it('makes a new collection before its indexes, and leaves the indexes of a dropped one to go with its table', () => {
    const current = before();
    const snapshot = JSON.parse(JSON.stringify(schemaSnapshot(current)));
    snapshot.collections = snapshot.collections.map((c: { collection: string }) => (c.collection === 'posts' ? { ...c, collection: 'articles' } : c));
    snapshot.relations = [];
    snapshot.indexes = [{ collection: 'articles', name: 'feed', fields: ['title'], unique: false }];
    assert.deepEqual(steps(current, snapshot), [
      { action: 'delete_relation', collection: 'posts', field: 'author' },
      { action: 'delete_collection', collection: 'posts' },
      {
        action: 'create_collection',
        collection: 'articles',
        primary_key: 'integer',
        note: null,
        fields: [field('title', 'string', { required: true, validation: { required: true } }), field('body', 'text'), field('author', 'integer')],
      },
      { action: 'create_index', collection: 'articles', index: { name: 'feed', fields: ['title'], unique: false } },
    ]);
  });
});
