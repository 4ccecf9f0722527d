import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ExternalCollections, ExternalCollectionSource } from '../schema/external-collections';
import { fieldDef } from '../schema/field-def';
import { SchemaRegistry } from '../schema/schema.registry';
import type { CollectionDef, FieldDef, OnDelete, RelationDef } from '../schema/schema.types';
import { ConnectionEntity } from './connection.entity';
import type { IntrospectedColumn, IntrospectedTable } from './introspection';

/**
 * How introspected tables become collections: `<connection>__<table>`, one field per column of the
 * same name, the single-column primary key as the key, and each foreign key to another served
 * table's key as a many-to-one (with the reverse one-to-many alias named after the child table).
 */

/** Between the connection's name and the table's; reserved in the names of Cairn's own collections. */
export const EXTERNAL_SEPARATOR = '__';

/** Table and column names that can be served: what the query language and GraphQL accept as names. */
const SERVABLE_NAME = /^[a-z][a-z0-9_]{0,47}$/;

export function externalCollectionName(connection: string, table: string): string {
  return `${connection}${EXTERNAL_SEPARATOR}${table}`;
}

/** Whether a table can be served, and why not. */
export function tableVerdict(table: IntrospectedTable): { servable: boolean; reason: string | null } {
  const refuse = (reason: string) => ({ servable: false, reason });
  if (!SERVABLE_NAME.test(table.name) || table.name.includes(EXTERNAL_SEPARATOR)) {
    return refuse('its name is not a lowercase identifier (a-z, 0-9, _ and no "__")');
  }
  if (table.primaryKey.length === 0) return refuse('it has no primary key, so its rows cannot be addressed');
  if (table.primaryKey.length > 1) return refuse(`its primary key has ${table.primaryKey.length} columns; Cairn serves single-column keys`);
  const key = table.columns.find((column) => column.name === table.primaryKey[0])!;
  if (!SERVABLE_NAME.test(key.name)) return refuse('the name of its primary key column is not a lowercase identifier');
  if (keyType(key) === null) return refuse(`its primary key is ${key.dbType}; Cairn serves integer and UUID keys`);
  return { servable: true, reason: null };
}

/** Why a column is left out of its collection, or null when it is served. */
export function columnVerdict(column: IntrospectedColumn): string | null {
  return SERVABLE_NAME.test(column.name) ? null : 'its name is not a lowercase identifier';
}

function keyType(column: IntrospectedColumn): 'integer' | 'uuid' | null {
  if (column.type === 'integer' || column.type === 'bigint') return 'integer';
  return column.type === 'uuid' ? 'uuid' : null;
}

function fieldOf(column: IntrospectedColumn, isKey: boolean): FieldDef {
  const type = isKey ? keyType(column)! : column.type;
  return fieldDef(column.name, type, {
    // Like Cairn's own ids, a key may be given on create and is never changed; columns of a type
    // Cairn does not know are read as text and never written.
    system: isKey || column.readOnly,
    primaryKey: isKey,
    required: !isKey && !column.nullable && !column.hasDefault && !column.readOnly,
    precision: type === 'decimal' ? (column.precision ?? 38) : null,
    scale: type === 'decimal' ? (column.scale ?? 10) : null,
    note: column.readOnly ? `read-only: ${column.dbType}` : null,
  });
}

const ON_DELETE: Record<string, OnDelete> = { CASCADE: 'CASCADE', 'SET NULL': 'SET NULL' };

/** The collections and relations a connection serves: its chosen tables that can be served. */
export function connectionCollections(connection: ConnectionEntity): ExternalCollections {
  const chosen = new Set(JSON.parse(connection.tables) as string[]);
  const tables = (JSON.parse(connection.introspection) as IntrospectedTable[]).filter((table) => chosen.has(table.name) && tableVerdict(table).servable);
  const source = {
    connectionId: connection.id,
    connection: connection.name,
    kind: connection.kind,
    allowWrites: connection.allowWrites,
    revision: connection.updatedAt.toISOString(),
  };
  const collections = tables.map(
    (table): CollectionDef => ({
      name: externalCollectionName(connection.name, table.name),
      table: table.name,
      primaryKey: keyType(table.columns.find((column) => column.name === table.primaryKey[0])!)!,
      // The key first, as Cairn's own collections have their id first.
      fields: [...table.columns]
        .sort((a, b) => Number(b.name === table.primaryKey[0]) - Number(a.name === table.primaryKey[0]))
        .filter((column) => columnVerdict(column) === null)
        .map((column) => fieldOf(column, column.name === table.primaryKey[0])),
      note: `Table "${table.name}" of the external database of connection "${connection.name}".`,
      external: source,
    }),
  );
  return { collections, relations: relationsOf(connection, tables, collections) };
}

function relationsOf(connection: ConnectionEntity, tables: IntrospectedTable[], collections: CollectionDef[]): RelationDef[] {
  const byTable = new Map(tables.map((table, index) => [table.name, { table, collection: collections[index] }]));
  const relations: RelationDef[] = [];
  const aliases = new Set<string>();
  for (const { table, collection } of byTable.values()) {
    for (const key of table.foreignKeys) {
      const related = byTable.get(key.referencedTable);
      if (!related || key.columns.length !== 1 || key.referencedColumns[0] !== related.table.primaryKey[0]) continue;
      const field = key.columns[0];
      if (!collection.fields.some((f) => f.field === field) || relations.some((r) => r.collection === collection.name && r.field === field)) continue;
      // The one-to-many alias on the referenced table, named after the child table when that is free.
      const alias = `${related.collection.name}.${table.name}`;
      const free = !related.collection.fields.some((f) => f.field === table.name) && !aliases.has(alias);
      if (free) aliases.add(alias);
      relations.push({
        id: `${connection.id}:${table.name}.${field}`,
        collection: collection.name,
        field,
        relatedCollection: related.collection.name,
        onDelete: ON_DELETE[key.onDelete] ?? 'RESTRICT',
        oneField: free ? table.name : null,
        junction: null,
      });
    }
  }
  return relations;
}

/** The collections and relations every connection of a workspace serves. */
export async function loadExternalCollections(manager: EntityManager, workspaceId: string): Promise<ExternalCollections> {
  const connections = await manager.getRepository(ConnectionEntity).find({ where: { workspaceId }, order: { name: 'ASC' } });
  const parts = connections.map(connectionCollections);
  return { collections: parts.flatMap((part) => part.collections), relations: parts.flatMap((part) => part.relations) };
}

/** Serves the tables of a workspace's connections to the schema registry, beside the workspace's own collections. */
@Injectable()
export class ConnectionCollections implements ExternalCollectionSource, OnModuleInit {
  constructor(private readonly registry: SchemaRegistry) {}

  onModuleInit(): void {
    this.registry.serveExternal(this);
  }

  load(manager: EntityManager, workspaceId: string): Promise<ExternalCollections> {
    return loadExternalCollections(manager, workspaceId);
  }
}
