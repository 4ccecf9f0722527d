import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppError } from '../../common/errors/app-error';
import type { ConnectionsConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import type { RunSql } from '../../engine/read/read.runner';
import { dialectFor, SqlDialect } from '../../engine/sql/dialect';
import type { ExternalSource } from '../schema/schema.types';
import { ConnectionEntity } from './connection.entity';
import { CredentialsCipher } from './credentials.cipher';
import { ExternalDatabase, externalStatementError, ExternalTarget, openExternalDatabase, RunStatement } from './external-database';

/** An open pool, and the revision of the connection it was opened for. */
interface OpenDatabase {
  revision: string;
  database: Promise<ExternalDatabase>;
}

/**
 * The pools of the external databases this instance talks to: opened lazily by the first statement
 * for a connection, replaced when the connection's revision changes (new credentials), closed when
 * it is deleted and when the app shuts down. Also the holder of the cipher of their passwords.
 */
@Injectable()
export class ExternalDatabases implements OnApplicationShutdown {
  private readonly logger = new Logger(ExternalDatabases.name);
  private readonly open = new Map<string, OpenDatabase>();
  private readonly sealer: CredentialsCipher | null;

  constructor(
    @InjectRepository(ConnectionEntity) private readonly connections: Repository<ConnectionEntity>,
    @InjectConfig('connections') private readonly config: ConnectionsConfig,
  ) {
    const key = config.encryptionKey;
    this.sealer = key ? new CredentialsCipher(key) : null;
  }

  /** The cipher of connection passwords; without CONNECTIONS_ENCRYPTION_KEY, connections cannot be used. */
  cipher(): CredentialsCipher {
    if (!this.sealer) {
      throw new AppError('SERVICE_UNAVAILABLE', 'External connections are not enabled on this server: it needs CONNECTIONS_ENCRYPTION_KEY (32 random bytes) to encrypt their passwords.');
    }
    return this.sealer;
  }

  /** Opens a pool to a target that is not stored (yet): for testing credentials. The caller closes it. */
  openTarget(target: ExternalTarget): ExternalDatabase {
    return openExternalDatabase(target, this.config);
  }

  /** How the items door reads a collection of this source: the dialect, and a runner on its pool. */
  reader(source: ExternalSource): { dialect: SqlDialect; run: RunSql } {
    return {
      dialect: dialectFor(source.kind),
      run: async (sql, params) => {
        const database = await this.database(source);
        return database.read(sql, params).catch((error: unknown) => {
          throw externalStatementError(error, source.connection);
        });
      },
    };
  }

  /** The pool of a source, with its statement failures answered as the items API's errors. */
  async database(source: ExternalSource): Promise<ExternalDatabase> {
    let open = this.open.get(source.connectionId);
    if (open?.revision !== source.revision) {
      // The old pool's statements in flight finish first; a pool's end waits for its clients.
      if (open) void this.retire(open);
      open = { revision: source.revision, database: this.connect(source) };
      this.open.set(source.connectionId, open);
      open.database.catch(() => this.open.get(source.connectionId) === open && this.open.delete(source.connectionId));
    }
    const database = await open.database;
    return {
      kind: database.kind,
      read: (sql, params) => database.read(sql, params),
      transaction: <T>(work: (run: RunStatement) => Promise<T>) =>
        database.transaction(work).catch((error: unknown) => {
          throw externalStatementError(error, source.connection);
        }),
      close: () => database.close(),
    };
  }

  /** Closes the pool of a connection (deleted, or its credentials changed). */
  async close(connectionId: string): Promise<void> {
    const open = this.open.get(connectionId);
    this.open.delete(connectionId);
    if (open) await this.retire(open);
  }

  /** Last, with Cairn's own database: the handler and flow runs that finish at shutdown may still read external tables. */
  async onApplicationShutdown(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((open) => this.retire(open)));
  }

  private async connect(source: ExternalSource): Promise<ExternalDatabase> {
    const connection = await this.connections.findOneBy({ id: source.connectionId });
    if (!connection) throw new AppError('NOT_FOUND', `The connection "${source.connection}" no longer exists.`);
    return openExternalDatabase(this.targetOf(connection), this.config);
  }

  /** Where a stored connection points, its password opened with the configured key. */
  targetOf(connection: ConnectionEntity): ExternalTarget {
    let password: string;
    try {
      password = this.cipher().open(connection.passwordCiphertext, connection.keyId);
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError('SERVICE_UNAVAILABLE', `The password of connection "${connection.name}" cannot be decrypted with the configured CONNECTIONS_ENCRYPTION_KEY; set the key it was saved with, or give the connection its password again.`);
    }
    return {
      kind: connection.kind,
      host: connection.host,
      port: connection.port,
      database: connection.databaseName,
      user: connection.username,
      password,
      ssl: connection.ssl,
      schema: connection.schemaName,
    };
  }

  private async retire(open: OpenDatabase): Promise<void> {
    const database = await open.database.catch(() => null);
    await database?.close().catch((error: unknown) => this.logger.warn(`Could not close an external pool: ${String(error)}`));
  }
}
