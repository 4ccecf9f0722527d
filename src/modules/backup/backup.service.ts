import type { Writable } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Database } from '../../common/database/database.service';
import { notFound } from '../../common/errors/app-error';
import { cairnVersion } from '../../common/version';
import { AppUserEntity } from '../app-users/app-user.entity';
import { STORAGE_DRIVER, StorageDriver, storageKey } from '../files/storage/storage-driver';
import { FILES_COLLECTION, FOLDERS_COLLECTION } from '../schema/files.collection';
import { SchemaRegistry } from '../schema/schema.registry';
import { SnapshotService } from '../schema/snapshot.service';
import { UserEntity } from '../users/user.entity';
import { MemberEntity, WorkspaceEntity } from '../workspaces/workspace.entity';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { ArchiveWriter } from './archive';
import { ACCOUNTS_PREFIX, BACKUP_FORMAT, BACKUP_FORMAT_VERSION, BackupManifest, chunkName, MANIFEST_ENTRY, ManifestWorkspace, ROWS_PER_CHUNK, workspacePrefix } from './backup.format';
import { accountRecord, appUserRecord, WorkspaceSettings } from './backup.records';
import { dependencyOrder } from './restore-order';
import { tablePages } from './table-rows';

type Row = Record<string, unknown>;

/**
 * Writes backups: one workspace, or the whole instance, as one archive (backup.format.ts) streamed to
 * an output as it is read: the schema snapshot with every section of the workspace's setup, what a
 * snapshot leaves out (webhook secrets, autocode counters, app users), files with their bytes from the
 * storage driver, and every collection's items in dependency order, a page at a time.
 *
 * A backup reads each table in pages, not in one transaction: writes made while it runs may be in it
 * or not, page by page. Take it when the workspace is quiet for a consistent copy.
 */
@Injectable()
export class BackupService {
  private readonly logger = new Logger(BackupService.name);

  constructor(
    private readonly db: Database,
    private readonly registry: SchemaRegistry,
    private readonly snapshots: SnapshotService,
    private readonly workspaces: WorkspacesService,
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
    @InjectRepository(AppUserEntity) private readonly appUsers: Repository<AppUserEntity>,
    @InjectRepository(UserEntity) private readonly accounts: Repository<UserEntity>,
    @InjectRepository(MemberEntity) private readonly members: Repository<MemberEntity>,
    @InjectRepository(WorkspaceEntity) private readonly workspaceRows: Repository<WorkspaceEntity>,
  ) {}

  /** Writes one workspace's archive (by id or slug) to `output`; 404 for a workspace that does not exist. */
  async backupWorkspace(workspaceRef: string, output: Writable): Promise<void> {
    const workspace = await this.workspaces.findByRef(workspaceRef);
    if (!workspace) throw notFound('Workspace not found.');
    await this.write(output, 'workspace', [workspace]);
  }

  /** Writes every workspace of the instance, with the platform accounts and memberships, to `output`. */
  async backupInstance(output: Writable): Promise<void> {
    await this.write(output, 'instance', await this.workspaceRows.find({ order: { createdAt: 'ASC', id: 'ASC' } }));
  }

  private async write(output: Writable, scope: BackupManifest['scope'], workspaces: WorkspaceEntity[]): Promise<void> {
    const archive = new ArchiveWriter(output);
    try {
      const listed: ManifestWorkspace[] = workspaces.map((workspace, index) => ({ path: String(index), id: workspace.id, slug: workspace.slug, name: workspace.name, app_url: workspace.appUrl }));
      const manifest: BackupManifest = {
        format: BACKUP_FORMAT,
        format_version: BACKUP_FORMAT_VERSION,
        cairn: cairnVersion(),
        source_engine: this.db.kind,
        created_at: new Date().toISOString(),
        scope,
        workspaces: listed,
      };
      await archive.add(MANIFEST_ENTRY, JSON.stringify(manifest, null, 2));
      if (scope === 'instance') await this.writeAccounts(archive);
      for (const [index, workspace] of workspaces.entries()) await this.writeWorkspace(archive, workspacePrefix(listed[index].path), workspace, scope === 'instance');
      await archive.finish();
    } catch (error) {
      archive.abort(error as Error);
      throw error;
    }
  }

  private async writeAccounts(archive: ArchiveWriter): Promise<void> {
    let sequence = 0;
    for (let skip = 0; ; skip += ROWS_PER_CHUNK) {
      const page = await this.accounts.find({ order: { id: 'ASC' }, skip, take: ROWS_PER_CHUNK });
      if (page.length > 0) await archive.add(`${ACCOUNTS_PREFIX}${chunkName(++sequence)}`, jsonLines(page.map(accountRecord)));
      if (page.length < ROWS_PER_CHUNK) return;
    }
  }

  private async writeWorkspace(archive: ArchiveWriter, prefix: string, workspace: WorkspaceEntity, withMembers: boolean): Promise<void> {
    const current = (await this.workspaces.findByRef(workspace.id)) ?? workspace;
    await archive.add(`${prefix}snapshot.json`, JSON.stringify(await this.snapshots.snapshotOf(current)));
    await archive.add(`${prefix}settings.json`, JSON.stringify(await this.settings(workspace.id, withMembers)));
    await this.writeAppUsers(archive, prefix, workspace.id);
    await this.writePages(archive, `${prefix}folders/`, tablePages(this.db, FOLDERS_COLLECTION, ROWS_PER_CHUNK, workspace.id), (row) => ({ ...row, workspace_id: undefined, parent: null }));
    await this.writePages(archive, `${prefix}folder-parents/`, tablePages(this.db, FOLDERS_COLLECTION, ROWS_PER_CHUNK, workspace.id), (row) => (row.parent === null ? null : { key: row.id, values: { parent: row.parent } }));
    await this.writeFiles(archive, prefix, workspace.id);
    const schema = await this.registry.load(this.db.dataSource.manager, workspace.id);
    const turns = dependencyOrder(schema);
    for (const { collection } of turns) {
      await this.writePages(archive, `${prefix}items/${collection}/`, tablePages(this.db, schema.collections.get(collection)!, ROWS_PER_CHUNK), (row) => row);
    }
    for (const { collection, deferred } of turns) {
      if (deferred.length === 0) continue;
      const links = (row: Row) => {
        const values = Object.fromEntries(deferred.filter((field) => row[field] !== null).map((field) => [field, row[field]]));
        return Object.keys(values).length > 0 ? { key: row.id, values } : null;
      };
      await this.writePages(archive, `${prefix}links/${collection}/`, tablePages(this.db, schema.collections.get(collection)!, ROWS_PER_CHUNK), links);
    }
  }

  /** What a snapshot leaves out and a restore needs: webhook secrets, autocode counters, and (instance) members. */
  private async settings(workspaceId: string, withMembers: boolean): Promise<WorkspaceSettings> {
    const manager = this.db.dataSource.manager;
    const webhooks: Array<{ name: string; secret: string }> = await manager.createQueryBuilder().select('w.name', 'name').addSelect('w.secret', 'secret').from('cairn_webhooks', 'w').where('w.workspace_id = :id', { id: workspaceId }).orderBy('w.name').getRawMany();
    const counters: Array<{ collection: string; field: string; last_value: unknown }> = await manager
      .createQueryBuilder()
      .select('c.collection', 'collection')
      .addSelect('c.field', 'field')
      .addSelect('c.last_value', 'last_value')
      .from('cairn_autocode_counters', 'c')
      .where('c.workspace_id = :id', { id: workspaceId })
      .orderBy('c.collection')
      .addOrderBy('c.field')
      .getRawMany();
    const settings: WorkspaceSettings = {
      webhook_secrets: webhooks.map((webhook) => ({ name: webhook.name, secret: webhook.secret })),
      autocode_counters: counters.map((counter) => ({ collection: counter.collection, field: counter.field, last_value: Number(counter.last_value) })),
    };
    if (withMembers) {
      const members = await this.members.find({ where: { workspaceId }, order: { userId: 'ASC' } });
      settings.members = members.map((member) => ({ user_id: member.userId, role: member.role }));
    }
    return settings;
  }

  private async writeAppUsers(archive: ArchiveWriter, prefix: string, workspaceId: string): Promise<void> {
    let sequence = 0;
    for (let skip = 0; ; skip += ROWS_PER_CHUNK) {
      const page = await this.appUsers.find({ where: { workspaceId }, order: { id: 'ASC' }, skip, take: ROWS_PER_CHUNK });
      if (page.length > 0) await archive.add(`${prefix}app-users/${chunkName(++sequence)}`, jsonLines(page.map(appUserRecord)));
      if (page.length < ROWS_PER_CHUNK) return;
    }
  }

  /** Files' rows a page at a time, each page followed by its files' bytes. */
  private async writeFiles(archive: ArchiveWriter, prefix: string, workspaceId: string): Promise<void> {
    let sequence = 0;
    for await (const page of tablePages(this.db, FILES_COLLECTION, ROWS_PER_CHUNK, workspaceId)) {
      await archive.add(`${prefix}files/${chunkName(++sequence)}`, jsonLines(page.map((row) => ({ ...row, workspace_id: undefined, storage: undefined }))));
      for (const row of page) {
        const key = storageKey(workspaceId, String(row.filename_disk));
        const stored = await this.storage.stat(key);
        if (!stored) {
          // A row whose bytes are gone (removed by hand from the storage): it travels without them.
          this.logger.warn(`The bytes of file ${String(row.id)} are missing from the storage; the backup holds its row only.`);
          continue;
        }
        await archive.addStream(`${prefix}file-bytes/${String(row.id)}`, stored.size, await this.storage.read(key));
      }
    }
  }

  /** Pages as JSON-lines chunks under `prefix`, each row mapped (null: left out; undefined values dropped). */
  private async writePages(archive: ArchiveWriter, prefix: string, pages: AsyncIterable<Row[]>, map: (row: Row) => Row | null): Promise<void> {
    let sequence = 0;
    for await (const page of pages) {
      const rows = page.map(map).filter((row): row is Row => row !== null);
      if (rows.length > 0) await archive.add(`${prefix}${chunkName(++sequence)}`, jsonLines(rows));
    }
  }
}

function jsonLines(rows: object[]): string {
  return rows.map((row) => JSON.stringify(row)).join('\n') + '\n';
}
