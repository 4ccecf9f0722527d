import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { conflict, invalidPayload, notFound } from '../../common/errors/app-error';
import type { WorkspaceAccess } from '../workspaces/workspaces.service';
import { parseFieldInput } from './field-input';
import { FILES_TYPE, FilesField, filesJunctionName, JUNCTION_FILE_FIELD, JUNCTION_POSITION_FIELD, junctionItemKey } from './files-fields';
import { checkCollectionName, checkFieldName, tableNameFor } from './names';
import { RelationEntity } from './registry.entities';
import { SchemaDdl } from './schema.ddl';
import { findField, findRelationalField } from './schema.lookup';
import { SchemaChangeContext, SchemaService } from './schema.service';
import type { CollectionDef, FieldDef, OnDelete, RelationDef, WorkspaceSchema } from './schema.types';
import type { RelationSnapshot } from './snapshot.diff';
import { systemFields } from './system-fields';

type Raw = Record<string, unknown>;
const KEYS = new Set(['collection', 'field', 'related_collection', 'on_delete', 'one_field', 'junction']);
const ON_DELETE: readonly OnDelete[] = ['SET NULL', 'CASCADE', 'RESTRICT'];

/** A foreign-key field of the type that matches a collection's primary key. */
function foreignKeyField(name: string, target: CollectionDef): FieldDef {
  return { ...systemFields(target.primaryKey)[0], field: name, system: false, primaryKey: false, index: false };
}

/**
 * Relations: a many-to-one is a foreign key column with a real FOREIGN KEY; its one-to-many side is an
 * alias with no column; a many-to-many is a junction collection holding two many-to-ones.
 */
@Injectable()
export class RelationsService {
  constructor(private readonly schemas: SchemaService) {}

  async create(access: WorkspaceAccess, body: Raw): Promise<RelationDef[]> {
    for (const key of Object.keys(body)) if (!KEYS.has(key)) throw invalidPayload(`Invalid payload: "${key}" is not a relation option.`, key);
    const collection = checkCollectionName(body.collection, 'collection');
    const field = checkFieldName(body.field, 'field');
    const related = checkCollectionName(body.related_collection, 'related_collection');
    const onDelete = (body.on_delete ?? 'SET NULL') as OnDelete;
    if (!ON_DELETE.includes(onDelete)) throw invalidPayload(`Invalid payload: on_delete must be one of ${ON_DELETE.join(', ')}.`, 'on_delete');
    const oneField = body.one_field === undefined || body.one_field === null ? null : checkFieldName(body.one_field, 'one_field');
    if (body.junction !== undefined && typeof body.junction !== 'boolean') throw invalidPayload('Invalid payload: junction must be true or false.', 'junction');

    return this.schemas.change(access, body.junction ? 'create_m2m' : 'create_relation', { ...body }, async (context) => {
      const source = this.schemas.requireCollection(context.schema, collection);
      const target = this.schemas.requireCollection(context.schema, related);
      if (findRelationalField(context.schema, collection, field)) throw conflict(`"${collection}.${field}" is already a relation.`, { field: 'field' });
      if (oneField && (findField(target, oneField) || findRelationalField(context.schema, related, oneField))) {
        throw conflict(`"${related}" already has a field "${oneField}".`, { field: 'one_field' });
      }
      return body.junction
        ? this.createManyToMany(context, source, field, target, oneField)
        : [await this.createManyToOne(context, source, field, target, onDelete, oneField, null)];
    });
  }

  /** Adds a many-to-one exactly as described (used by schema apply, where junction fields already exist). */
  async linkIn(context: SchemaChangeContext, relation: Omit<RelationDef, 'id'>): Promise<RelationDef> {
    const source = this.schemas.requireCollection(context.schema, relation.collection);
    const target = this.schemas.requireCollection(context.schema, relation.relatedCollection);
    if (findRelationalField(context.schema, relation.collection, relation.field)) throw conflict(`"${relation.collection}.${relation.field}" is already a relation.`, { field: 'field' });
    return this.createManyToOne(context, source, relation.field, target, relation.onDelete, relation.oneField, relation.junction);
  }

  /** Removes one many-to-one: its foreign key goes, its column stays. */
  async unlinkIn({ manager, ddl, schema }: SchemaChangeContext, collection: string, field: string): Promise<void> {
    const relation = schema.relations.find((r) => r.collection === collection && r.field === field);
    if (!relation) throw notFound(`"${collection}.${field}" is not a relation.`);
    await ddl.dropForeignKey(this.schemas.requireCollection(schema, collection).table, field);
    await manager.getRepository(RelationEntity).delete({ id: relation.id });
  }

  private async createManyToOne(
    { manager, ddl, workspaceId }: { manager: EntityManager; ddl: SchemaDdl; workspaceId: string },
    source: CollectionDef,
    field: string,
    target: CollectionDef,
    onDelete: OnDelete,
    oneField: string | null,
    junction: RelationDef['junction'],
  ): Promise<RelationDef> {
    const existing = findField(source, field);
    const keyField = foreignKeyField(field, target);
    if (existing) {
      if (existing.system) throw conflict(`"${field}" is a system field.`, { field: 'field' });
      const compatible = target.primaryKey === 'integer' ? existing.type === 'integer' : existing.type === 'uuid';
      if (!compatible) throw conflict(`"${source.name}.${field}" must be of type ${keyField.type} to reference "${target.name}".`, { field: 'field' });
    } else {
      await ddl.addColumn(source.table, keyField);
      await this.schemas.insertFieldRow(manager, workspaceId, source.name, keyField, source.fields.length);
    }
    await ddl.addForeignKey(source.table, existing ?? keyField, target.table, onDelete);
    const relation: RelationDef = { id: randomUUID(), collection: source.name, field, relatedCollection: target.name, onDelete, oneField, junction };
    await manager.getRepository(RelationEntity).insert({
      id: relation.id,
      workspaceId,
      collection: relation.collection,
      field: relation.field,
      relatedCollection: relation.relatedCollection,
      onDelete,
      oneField,
      junction: junction ? JSON.stringify(junction) : null,
      createdAt: new Date(),
    });
    return relation;
  }

  /** Makes the junction collection `<collection>_<field>` with a many-to-one to each side. */
  private async createManyToMany(
    context: { manager: EntityManager; ddl: SchemaDdl; workspaceId: string; schema: WorkspaceSchema },
    source: CollectionDef,
    alias: string,
    target: CollectionDef,
    otherAlias: string | null,
  ): Promise<RelationDef[]> {
    if (findField(source, alias)) throw conflict(`"${source.name}" already has a field "${alias}".`, { field: 'field' });
    const name = checkCollectionName(`${source.name}_${alias}`, 'field');
    if (context.schema.collections.has(name)) throw conflict(`The junction collection "${name}" already exists.`, { field: 'field' });
    const localKey = `${source.name}_id`;
    const relatedKey = source.name === target.name ? `related_${target.name}_id` : `${target.name}_id`;
    const junction: CollectionDef = { name, table: tableNameFor(context.workspaceId, name), primaryKey: 'integer', note: `Junction of ${source.name}.${alias}`, fields: systemFields('integer') };
    await context.ddl.createTable(junction);
    await this.schemas.insertCollectionRows(context.manager, context.workspaceId, junction);
    const toSource = await this.createManyToOne(context, junction, localKey, source, 'CASCADE', null, { otherField: relatedKey, alias });
    const withKey = { ...junction, fields: [...junction.fields, foreignKeyField(localKey, source)] };
    const toTarget = await this.createManyToOne(context, withKey, relatedKey, target, 'CASCADE', null, { otherField: localKey, alias: otherAlias });
    return [toSource, toTarget];
  }

  /**
   * Adds a `files` field (see files-fields.ts): the junction `<collection>_<field>` with its `file` and
   * `position` fields, and its many-to-one to the item whose one-to-many alias is the field.
   */
  async createFiles(access: WorkspaceAccess, collection: string, body: Raw): Promise<FilesField> {
    for (const key of Object.keys(body)) if (key !== 'field' && key !== 'type') throw invalidPayload(`Invalid payload: a files field takes no option "${key}".`, key);
    const alias = checkFieldName(body.field, 'field');
    return this.schemas.change(access, 'create_files_field', { collection, field: alias, type: FILES_TYPE }, async (context) => {
      const source = this.schemas.requireCollection(context.schema, collection);
      if (findField(source, alias) || findRelationalField(context.schema, collection, alias)) {
        throw conflict(`The collection "${collection}" already has a field "${alias}".`, { field: 'field' });
      }
      const name = filesJunctionName(collection, alias);
      if (context.schema.collections.has(name)) throw conflict(`The junction collection "${name}" of the files field already exists.`, { field: 'field' });
      const file = parseFieldInput({ field: JUNCTION_FILE_FIELD, type: 'file' }, 'field');
      const position = parseFieldInput({ field: JUNCTION_POSITION_FIELD, type: 'integer' }, 'field');
      const junction: CollectionDef = {
        name,
        table: tableNameFor(context.workspaceId, name),
        primaryKey: 'integer',
        note: `Files of ${collection}.${alias}`,
        fields: [...systemFields('integer'), file, position],
      };
      await this.schemas.createCollectionIn(context, junction);
      const relation = await this.createManyToOne(context, junction, junctionItemKey(collection), source, 'CASCADE', alias, null);
      return { collection, field: alias, junction, relation };
    });
  }

  /** Removes a relation: the foreign key goes, the column stays; a many-to-many alias drops its junction. */
  async remove(access: WorkspaceAccess, collection: string, field: string): Promise<void> {
    await this.schemas.change(access, 'delete_relation', { collection, field }, async ({ manager, ddl, schema, workspaceId }) => {
      const relational = findRelationalField(schema, collection, field);
      if (!relational) throw notFound(`"${collection}.${field}" is not a relation.`);
      const relations = manager.getRepository(RelationEntity);
      switch (relational.kind) {
        case 'm2o':
          await ddl.dropForeignKey(this.schemas.requireCollection(schema, collection).table, field);
          await relations.delete({ id: relational.relation.id });
          break;
        case 'o2m':
          await relations.update({ id: relational.relation.id }, { oneField: null });
          break;
        case 'm2m': {
          const junction = this.schemas.requireCollection(schema, relational.junction);
          await ddl.dropTable(junction.table);
          for (const relation of schema.relations.filter((r) => r.collection === junction.name)) await relations.delete({ id: relation.id });
          await this.schemas.forgetFields(manager, workspaceId, junction.name, junction.fields.filter((f) => !f.system).map((f) => f.field));
          await manager.createQueryBuilder().delete().from('cairn_collections').where('workspace_id = :workspaceId AND name = :name', { workspaceId, name: junction.name }).execute();
          break;
        }
      }
    });
  }
}

/** A relation as the API and snapshots show it. */
export function relationShape(relation: RelationDef): RelationSnapshot {
  return {
    collection: relation.collection,
    field: relation.field,
    related_collection: relation.relatedCollection,
    on_delete: relation.onDelete,
    one_field: relation.oneField,
    junction: relation.junction ? { other_field: relation.junction.otherField, alias: relation.junction.alias } : null,
  };
}

export function toRelationDto(relation: RelationDef): Record<string, unknown> {
  return { id: relation.id, ...relationShape(relation) };
}
