import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../../common/database/database.service';
import { conflict, invalidPayload, notFound } from '../../common/errors/app-error';
import { SchemaRegistry } from '../schema/schema.registry';
import { WorkspaceEntity } from '../workspaces/workspace.entity';
import { WorkspaceAccess, WorkspacesService } from '../workspaces/workspaces.service';
import { ConnectionEntity } from './connection.entity';
import type { ConnectionDto, ConnectionTableDto, ConnectionTestDto, CreateConnectionDto, TestConnectionDto, UpdateConnectionDto } from './connection.dto';
import type { CredentialsCipher } from './credentials.cipher';
import { connectFailureMessage, ExternalTarget, failureReason } from './external-database';
import { ExternalDatabases } from './external-databases';
import { columnVerdict, connectionCollections, externalCollectionName, tableVerdict } from './external-schema';
import { DEFAULT_PORTS, introspect, IntrospectedTable } from './introspection';

/** Which field of a registration a failure to connect points at. */
const FAILURE_FIELD = { credentials: 'password', database: 'database', unreachable: 'host', timeout: 'host', refused: 'host' } as const;

/**
 * External connections of a workspace: registered only once Cairn has signed in and introspected the
 * database, their passwords sealed, their chosen tables served as collections. Every change raises
 * the workspace's schema version, so that the registry, policies and GraphQL see the new collections.
 */
@Injectable()
export class ConnectionsService {
  constructor(
    private readonly db: Database,
    private readonly databases: ExternalDatabases,
    private readonly registry: SchemaRegistry,
    private readonly workspaces: WorkspacesService,
  ) {}

  async list(access: WorkspaceAccess): Promise<ConnectionDto[]> {
    this.databases.cipher();
    const rows = await this.db.dataSource.getRepository(ConnectionEntity).find({ where: { workspaceId: access.workspace.id }, order: { name: 'ASC' } });
    return rows.map(toConnectionDto);
  }

  async get(access: WorkspaceAccess, id: string): Promise<ConnectionDto> {
    return toConnectionDto(await this.find(access, id));
  }

  /**
   * Tests a registration before it is made: signs in and reads the tables as registering would, and
   * stores nothing. Asks for the encryption key too, as a connection that tests well must be storable.
   */
  async test(body: TestConnectionDto): Promise<ConnectionTestDto> {
    this.databases.cipher();
    const tables = await this.introspectTarget(targetOf(body));
    return { ok: true, tables: tables.map((table) => describeTable(table, '', new Set())).map(({ collection: _collection, served: _served, ...rest }) => rest) };
  }

  async create(access: WorkspaceAccess, body: CreateConnectionDto): Promise<ConnectionDto> {
    const cipher = this.databases.cipher();
    const target = targetOf(body);
    await this.assertNameFree(access, body.name);
    // Nothing is stored unless Cairn can sign in and read the tables.
    const tables = await this.introspectTarget(target);
    const now = new Date();
    const connection: ConnectionEntity = Object.assign(new ConnectionEntity(), {
      id: randomUUID(),
      workspaceId: access.workspace.id,
      name: body.name,
      kind: target.kind,
      ...credentialColumns(target, cipher),
      allowWrites: body.allow_writes ?? false,
      tables: JSON.stringify(chosenTables(body.tables ?? [], tables)),
      introspection: JSON.stringify(tables),
      introspectedAt: now,
      createdAt: now,
      updatedAt: now,
    });
    await this.changeSchema(access, (manager) => manager.getRepository(ConnectionEntity).insert(connection));
    return toConnectionDto(connection);
  }

  /** Renames, allows or refuses writes, chooses tables; new credentials are tested and the tables introspected again. */
  async update(access: WorkspaceAccess, id: string, body: UpdateConnectionDto): Promise<ConnectionDto> {
    const cipher = this.databases.cipher();
    const connection = await this.find(access, id);
    if (body.schema !== undefined && connection.kind !== 'postgres') throw invalidPayload('Invalid payload: "schema" is for PostgreSQL; on MySQL the database is the schema.', 'schema');
    if (body.name !== undefined && body.name !== connection.name) await this.assertNameFree(access, body.name);
    const credentials = (['host', 'port', 'database', 'user', 'password', 'ssl', 'schema'] as const).some((key) => body[key] !== undefined);
    let tables = JSON.parse(connection.introspection) as IntrospectedTable[];
    if (credentials) {
      const stored = this.databases.targetOf(connection);
      const target: ExternalTarget = {
        ...stored,
        host: body.host ?? stored.host,
        port: body.port ?? stored.port,
        database: body.database ?? stored.database,
        user: body.user ?? stored.user,
        password: body.password ?? stored.password,
        ssl: body.ssl ?? stored.ssl,
        schema: body.schema ?? stored.schema,
      };
      tables = await this.introspectTarget(target);
      Object.assign(connection, {
        ...credentialColumns(target, cipher),
        introspection: JSON.stringify(tables),
        introspectedAt: new Date(),
      });
    }
    if (body.name !== undefined) connection.name = body.name;
    if (body.allow_writes !== undefined) connection.allowWrites = body.allow_writes;
    if (body.tables !== undefined) connection.tables = JSON.stringify(chosenTables(body.tables, tables));
    connection.updatedAt = new Date();
    await this.changeSchema(access, (manager) => manager.getRepository(ConnectionEntity).save(connection));
    if (credentials) await this.databases.close(connection.id);
    return toConnectionDto(connection);
  }

  async remove(access: WorkspaceAccess, id: string): Promise<void> {
    const connection = await this.find(access, id);
    await this.changeSchema(access, (manager) => manager.getRepository(ConnectionEntity).delete({ id: connection.id }));
    await this.databases.close(connection.id);
  }

  /** Reads the tables again, with the stored credentials: after the external database's schema changed. */
  async refresh(access: WorkspaceAccess, id: string): Promise<ConnectionTableDto[]> {
    const connection = await this.find(access, id);
    const tables = await this.introspectTarget(this.databases.targetOf(connection));
    Object.assign(connection, { introspection: JSON.stringify(tables), introspectedAt: new Date(), updatedAt: new Date() });
    await this.changeSchema(access, (manager) => manager.getRepository(ConnectionEntity).save(connection));
    return tableReport(connection);
  }

  async tables(access: WorkspaceAccess, id: string): Promise<ConnectionTableDto[]> {
    return tableReport(await this.find(access, id));
  }

  private async find(access: WorkspaceAccess, id: string): Promise<ConnectionEntity> {
    this.databases.cipher();
    const connection = /^[0-9a-f-]{36}$/i.test(id) ? await this.db.dataSource.getRepository(ConnectionEntity).findOneBy({ id, workspaceId: access.workspace.id }) : null;
    if (!connection) throw notFound('Connection not found.');
    return connection;
  }

  private async assertNameFree(access: WorkspaceAccess, name: string): Promise<void> {
    const taken = await this.db.dataSource.getRepository(ConnectionEntity).existsBy({ workspaceId: access.workspace.id, name });
    if (taken) throw conflict(`A connection named "${name}" already exists.`, { field: 'name' });
  }

  /**
   * Signs in to a target and reads its tables, on a pool of its own that is closed at once. Any
   * failure is answered naming the problem (never the driver's message), and nothing is stored.
   */
  private async introspectTarget(target: ExternalTarget): Promise<IntrospectedTable[]> {
    const database = this.databases.openTarget(target);
    try {
      return await introspect(database, target.schema);
    } catch (error) {
      const reason = failureReason(error);
      throw invalidPayload(`Invalid payload: ${connectFailureMessage(reason, target)}`, FAILURE_FIELD[reason]);
    } finally {
      await database.close().catch(() => undefined);
    }
  }

  /**
   * Writes a connection change and raises the workspace's schema version in one transaction, then
   * tells every instance: the collections the connection serves are part of the workspace's schema.
   */
  private async changeSchema(access: WorkspaceAccess, work: (manager: EntityManager) => Promise<unknown>): Promise<void> {
    const workspaceId = access.workspace.id;
    const version = await this.db.transaction(async (manager) => {
      const workspaces = manager.getRepository(WorkspaceEntity);
      const locked = await this.db.forUpdate(workspaces.createQueryBuilder('w')).where('w.id = :id', { id: workspaceId }).getOne();
      if (!locked) throw notFound('Workspace not found.');
      await work(manager);
      await workspaces.update({ id: workspaceId }, { schemaVersion: locked.schemaVersion + 1 });
      return locked.schemaVersion + 1;
    });
    await Promise.all([this.registry.announce(workspaceId, version), this.workspaces.evictWorkspace(access.workspace)]);
  }
}

/** The tables to serve, checked against what introspection found. */
function chosenTables(names: string[], tables: IntrospectedTable[]): string[] {
  for (const [index, name] of names.entries()) {
    const table = tables.find((t) => t.name === name);
    if (!table) throw invalidPayload(`Invalid payload: the database has no table "${name}".`, `tables.${index}`);
    const verdict = tableVerdict(table);
    if (!verdict.servable) throw invalidPayload(`Invalid payload: table "${name}" cannot be served: ${verdict.reason}.`, `tables.${index}`);
  }
  return [...new Set(names)];
}

function toConnectionDto(connection: ConnectionEntity): ConnectionDto {
  return {
    id: connection.id,
    name: connection.name,
    kind: connection.kind,
    host: connection.host,
    port: connection.port,
    database: connection.databaseName,
    user: connection.username,
    ssl: connection.ssl,
    schema: connection.schemaName,
    allow_writes: connection.allowWrites,
    tables: JSON.parse(connection.tables) as string[],
    collections: connectionCollections(connection).collections.map((collection) => collection.name),
    introspected_at: connection.introspectedAt.toISOString(),
    created_at: connection.createdAt.toISOString(),
    updated_at: connection.updatedAt.toISOString(),
  };
}

/** Where a registration (or a test of one) points; "schema" refused on MySQL, where the database is the schema. */
function targetOf(body: TestConnectionDto): ExternalTarget {
  if (body.schema !== undefined && body.kind !== 'postgres') throw invalidPayload('Invalid payload: "schema" is for PostgreSQL; on MySQL the database is the schema.', 'schema');
  return {
    kind: body.kind,
    host: body.host,
    port: body.port ?? DEFAULT_PORTS[body.kind],
    database: body.database,
    user: body.user,
    password: body.password,
    ssl: body.ssl ?? false,
    schema: body.kind === 'postgres' ? (body.schema ?? 'public') : null,
  };
}

function tableReport(connection: ConnectionEntity): ConnectionTableDto[] {
  const served = new Set(JSON.parse(connection.tables) as string[]);
  return (JSON.parse(connection.introspection) as IntrospectedTable[]).map((table) => describeTable(table, connection.name, served));
}

/** One introspected table as the API answers it: whether it can be (and is) served, and its columns and keys. */
function describeTable(table: IntrospectedTable, connectionName: string, served: Set<string>): ConnectionTableDto {
  const verdict = tableVerdict(table);
  return {
    table: table.name,
    collection: externalCollectionName(connectionName, table.name),
    served: verdict.servable && served.has(table.name),
    servable: verdict.servable,
    reason: verdict.reason,
    primary_key: table.primaryKey,
    columns: table.columns.map((column) => ({
      name: column.name,
      db_type: column.dbType,
      type: column.type,
      nullable: column.nullable,
      has_default: column.hasDefault,
      read_only: column.readOnly,
      served: columnVerdict(column) === null,
      reason: columnVerdict(column),
    })),
    foreign_keys: table.foreignKeys.map((key) => ({ columns: key.columns, referenced_table: key.referencedTable, referenced_columns: key.referencedColumns, on_delete: key.onDelete })),
  };
}

/** The columns that hold where and as whom Cairn connects, the password sealed under the current key. */
function credentialColumns(target: ExternalTarget, cipher: CredentialsCipher): Partial<ConnectionEntity> {
  return {
    host: target.host,
    port: target.port,
    databaseName: target.database,
    username: target.user,
    ssl: target.ssl,
    schemaName: target.schema,
    passwordCiphertext: cipher.seal(target.password),
    keyId: cipher.keyId,
  };
}
