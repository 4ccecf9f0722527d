import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { conflict, notFound } from '../../common/errors/app-error';
import type { WorkspaceAccess } from '../workspaces/workspaces.service';
import { assertNewIndex, dropIndexIn, indexesOf, indexFieldList, parseIndexInput, toIndexDto } from './composite-indexes';
import { IndexEntity } from './registry.entities';
import { SchemaChangeContext, SchemaService } from './schema.service';
import type { CollectionDef, IndexDef } from './schema.types';

/** Composite indexes: each made or dropped as a schema change, DDL and registry row in one go. */
@Injectable()
export class IndexesService {
  constructor(private readonly schemas: SchemaService) {}

  async list(access: WorkspaceAccess, collection: string): Promise<IndexDef[]> {
    const schema = await this.schemas.schemaOf(access);
    this.schemas.requireCollection(schema, collection);
    return indexesOf(schema, collection);
  }

  async create(access: WorkspaceAccess, collectionName: string, body: unknown): Promise<IndexDef> {
    // Checked on the schema as read first, for the log's detail; again under the lock, where it counts.
    const current = await this.schemas.schemaOf(access);
    const requested = parseIndexInput(current, this.schemas.requireCollection(current, collectionName), body);
    return this.schemas.change(access, 'create_index', { collection: collectionName, ...toIndexDto(requested) }, async (context) => {
      const index = parseIndexInput(context.schema, this.schemas.requireCollection(context.schema, collectionName), body);
      await this.createIn(context, index);
      return index;
    });
  }

  async remove(access: WorkspaceAccess, collection: string, name: string): Promise<void> {
    await this.schemas.change(access, 'delete_index', { collection, name }, (context) => this.removeIn(context, collection, name));
  }

  /**
   * Builds the index and records it. A unique index over rows that already share their values is
   * refused (409) with the count of those rows, before any DDL: the driver's error would say neither.
   */
  async createIn(context: SchemaChangeContext, index: IndexDef): Promise<void> {
    const collection = this.schemas.requireCollection(context.schema, index.collection);
    assertNewIndex(context.schema, index);
    if (index.unique) await this.assertNoDuplicates(context.manager, collection, index);
    try {
      await context.ddl.createCompositeIndex(collection, index);
    } catch (error) {
      // Rows written since the count (or a value the count could not see) still make a unique build fail.
      if (index.unique) throw conflict(`A unique index on ${describe(index)} cannot be built: rows of "${index.collection}" share their values.`, { field: 'unique' });
      throw error;
    }
    await context.manager.getRepository(IndexEntity).insert({
      id: randomUUID(),
      workspaceId: context.workspaceId,
      collection: index.collection,
      name: index.name,
      fields: JSON.stringify(indexFieldList(index.fields)),
      unique: index.unique,
      createdAt: new Date(),
    });
  }

  async removeIn(context: SchemaChangeContext, collectionName: string, name: string): Promise<void> {
    const collection = this.schemas.requireCollection(context.schema, collectionName);
    const index = indexesOf(context.schema, collectionName).find((candidate) => candidate.name === name);
    if (!index) throw notFound(`Index "${name}" not found on "${collectionName}".`);
    await dropIndexIn(context, collection, index);
  }

  /** Counts the rows whose values of the index's columns another row has too; NULLs never clash in a unique index. */
  private async assertNoDuplicates(manager: EntityManager, collection: CollectionDef, index: IndexDef): Promise<void> {
    const quote = (name: string) => manager.connection.driver.escape(name);
    const columns = index.fields.map((column) => quote(column.field));
    const [row] = (await manager.query(
      `SELECT COALESCE(SUM(n), 0) AS n FROM (SELECT COUNT(*) AS n FROM ${quote(collection.table)} WHERE ${columns.map((c) => `${c} IS NOT NULL`).join(' AND ')} GROUP BY ${columns.join(', ')} HAVING COUNT(*) > 1) duplicates`,
    )) as Array<{ n: number | string }>;
    const rows = Number(row.n);
    if (rows > 0) {
      throw conflict(`A unique index on ${describe(index)} cannot be built: ${rows} rows of "${index.collection}" share their values with another row. Change or delete them first.`, { field: 'unique', rows });
    }
  }
}

function describe(index: IndexDef): string {
  return `(${index.fields.map((column) => column.field).join(', ')})`;
}
