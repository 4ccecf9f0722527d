import { fieldDef as baseFieldDef } from '../../src/modules/schema/field-def';
import { systemFields } from '../../src/modules/schema/system-fields';
import type { CollectionDef, FieldDef, FieldTypeName, RelationDef, WorkspaceSchema } from '../../src/modules/schema/schema.types';

/** A field definition with defaults (strings 255 long), for building schemas in unit tests. */
export function fieldDef(field: string, type: FieldTypeName, extra: Partial<FieldDef> = {}): FieldDef {
  return baseFieldDef(field, type, { length: type === 'string' ? 255 : null, ...extra });
}

export function collectionDef(name: string, fields: FieldDef[], primaryKey: 'integer' | 'uuid' = 'integer'): CollectionDef {
  return { name, table: `cw_test_${name}`, primaryKey, fields: [...systemFields(primaryKey), ...fields], note: null };
}

/**
 * A small blog: authors ← articles (author, alias `articles` on authors) ← comments (article, alias
 * `comments` on articles), and articles ↔ tags through the junction articles_tags (alias `tags`).
 */
export function blogSchema(): WorkspaceSchema {
  const collections: CollectionDef[] = [
    collectionDef('authors', [fieldDef('name', 'string'), fieldDef('email', 'string'), fieldDef('age', 'integer'), fieldDef('bio', 'text')]),
    collectionDef('articles', [
      fieldDef('title', 'string', { required: true }),
      fieldDef('body', 'text'),
      fieldDef('status', 'enum', { values: ['draft', 'published', 'archived'] }),
      fieldDef('rating', 'integer'),
      fieldDef('price', 'decimal', { precision: 10, scale: 2 }),
      fieldDef('featured', 'boolean'),
      fieldDef('published_at', 'datetime'),
      fieldDef('metadata', 'json'),
      fieldDef('author', 'integer'),
    ]),
    collectionDef('comments', [fieldDef('text', 'text'), fieldDef('article', 'integer'), fieldDef('likes', 'integer')]),
    collectionDef('tags', [fieldDef('label', 'string')]),
    collectionDef('articles_tags', [fieldDef('articles_id', 'integer'), fieldDef('tags_id', 'integer')]),
  ];
  const relations: RelationDef[] = [
    { id: 'r1', collection: 'articles', field: 'author', relatedCollection: 'authors', onDelete: 'SET NULL', oneField: 'articles', junction: null },
    { id: 'r2', collection: 'comments', field: 'article', relatedCollection: 'articles', onDelete: 'CASCADE', oneField: 'comments', junction: null },
    { id: 'r3', collection: 'articles_tags', field: 'articles_id', relatedCollection: 'articles', onDelete: 'CASCADE', oneField: null, junction: { otherField: 'tags_id', alias: 'tags' } },
    { id: 'r4', collection: 'articles_tags', field: 'tags_id', relatedCollection: 'tags', onDelete: 'CASCADE', oneField: null, junction: { otherField: 'articles_id', alias: 'articles' } },
  ];
  return { workspaceId: 'ws-test', version: 1, collections: new Map(collections.map((c) => [c.name, c])), relations, indexes: [] };
}
