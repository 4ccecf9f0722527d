import { randomBytes, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { In } from 'typeorm';
import { Database } from '../../common/database/database.service';
import { classifyDatabaseError } from '../../common/database/db-errors';
import { AppError, forbidden } from '../../common/errors/app-error';
import type { UserPrincipal } from '../../common/principal/principal';
import { AppUserEntity } from '../app-users/app-user.entity';
import { STORAGE_DRIVER, StorageDriver, storageKey } from '../files/storage/storage-driver';
import { FILES_COLLECTION, FOLDERS_COLLECTION } from '../schema/files.collection';
import { SchemaRegistry } from '../schema/schema.registry';
import type { CollectionDef } from '../schema/schema.types';
import { SnapshotParticipants } from '../schema/snapshot-participant';
import { SnapshotService } from '../schema/snapshot.service';
import { UserEntity } from '../users/user.entity';
import { MemberEntity, WorkspaceEntity } from '../workspaces/workspace.entity';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { ArchiveEntry, ArchiveReader, archiveError } from './archive';
import { ACCOUNTS_PREFIX, BackupManifest, MANIFEST_ENTRY, ManifestWorkspace, notABackup, parseJsonEntry, parseJsonLines, parseManifest, workspacePrefix } from './backup.format';
import { accountFromRecord, appUserFromRecord, parseSettings } from './backup.records';
import { IdMapping, SharedKind } from './id-mapping';
import { CollectionTurn, dependencyOrder } from './restore-order';
import { insertRows, UnknownColumn, updateRows } from './table-rows';

type Row = Record<string, unknown>;

/** How a workspace archive is restored. */
export interface RestoreOptions {
  /** Who restores: the restored workspace's owner, the author of its schema change. */
  owner: UserPrincipal;
  /** The restored workspace's slug; the archive's by default. */
  slug?: string;
  /** Its name; the archive's by default. */
  name?: string;
  /** Replace the workspace that has the slug (the owner must be an owner of it), once the restore succeeded. */
  replace?: boolean;
}

/** A workspace being restored: where it is, and what is known of it so far. */
interface WorkspaceInProgress {
  listed: ManifestWorkspace;
  workspace: WorkspaceEntity;
  ids: IdMapping;
  /** Set by its snapshot: its collections in dependency order. */
  turns: Map<string, CollectionTurn & { definition: CollectionDef }> | null;
  /** The files of the last files chunk, whose bytes come next: id → disk name. */
  pendingBytes: Map<string, string>;
  /** After a successful restore: the workspace it replaces, and the slug it takes over. */
  replaces: { workspace: WorkspaceEntity; slug: string } | null;
}

const ENTRY = {
  accounts: new RegExp(`^${ACCOUNTS_PREFIX}[0-9]{6}\\.jsonl$`),
  document: /^workspaces\/([0-9]+)\/(snapshot|settings)\.json$/,
  shared: /^workspaces\/([0-9]+)\/(app-users|folders|folder-parents|files)\/[0-9]{6}\.jsonl$/,
  bytes: /^workspaces\/([0-9]+)\/file-bytes\/([0-9a-f-]{36})$/,
  items: /^workspaces\/([0-9]+)\/(items|links)\/([^/]+)\/[0-9]{6}\.jsonl$/,
};

/**
 * Restores archives written by BackupService, on any database whatever the source's: each workspace
 * created new, its snapshot applied as one schema change, then its rows inserted as they are read,
 * values through the codecs of this database and keys kept, so relations hold. The archive is read
 * once, front to back; its checksums are checked at its end. A restore that fails, for a refused
 * archive or anything else, removes what it made (workspaces, their tables, their files' bytes):
 * MySQL cannot roll back DDL, and a whole archive is more than one transaction should hold, so it is
 * undone rather than rolled back, on every database alike.
 */
@Injectable()
export class RestoreService {
  private readonly logger = new Logger(RestoreService.name);

  constructor(
    private readonly db: Database,
    private readonly registry: SchemaRegistry,
    private readonly snapshots: SnapshotService,
    private readonly participants: SnapshotParticipants,
    private readonly workspaces: WorkspacesService,
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
  ) {}

  /** Restores a one-workspace archive as a new workspace (or in place of one, with `replace`); answers it. */
  async restoreWorkspace(archive: Readable, options: RestoreOptions): Promise<WorkspaceEntity> {
    const [workspace] = await this.restore(archive, 'workspace', options);
    return workspace;
  }

  /**
   * Restores an instance archive: its accounts (those whose email has none here), then each of its
   * workspaces under its own slug with its members. Answers the workspaces made.
   */
  async restoreInstance(archive: Readable, options: { owner: UserPrincipal }): Promise<WorkspaceEntity[]> {
    if (!options.owner.isSuperadmin) throw forbidden('Only a superadmin may restore an instance.');
    return this.restore(archive, 'instance', options);
  }

  private async restore(archive: Readable, scope: BackupManifest['scope'], options: RestoreOptions): Promise<WorkspaceEntity[]> {
    const run = new RestoreRun(this, archive, scope, options);
    try {
      return await run.all();
    } catch (error) {
      const undone = await run.undo();
      throw explained(error, undone);
    }
  }

  /** What RestoreRun uses: the services of this one. */
  get services() {
    return { db: this.db, registry: this.registry, snapshots: this.snapshots, participants: this.participants, workspaces: this.workspaces, storage: this.storage, logger: this.logger };
  }
}

/** One restore: reads the archive and keeps what it made, to undo it on failure. */
class RestoreRun {
  private manifest: BackupManifest | null = null;
  private current: WorkspaceInProgress | null = null;
  private readonly restored: WorkspaceInProgress[] = [];
  private readonly storedKeys: string[] = [];
  private readonly createdAccounts: string[] = [];
  /** Instance restores: archived account ids → this instance's. */
  private readonly accounts = new Map<string, string>();

  constructor(
    private readonly service: RestoreService,
    private readonly archive: Readable,
    private readonly scope: BackupManifest['scope'],
    private readonly options: RestoreOptions,
  ) {}

  private get s() {
    return this.service.services;
  }

  async all(): Promise<WorkspaceEntity[]> {
    for await (const entry of new ArchiveReader(this.archive).entries()) {
      if (!this.manifest) {
        if (entry.name !== MANIFEST_ENTRY) throw notABackup(`it does not start with ${MANIFEST_ENTRY}: it is not a Cairn backup.`);
        this.manifest = this.checkedManifest(parseManifest(await entry.text()));
        continue;
      }
      await this.take(entry);
    }
    if (!this.manifest) throw notABackup('it is empty.');
    if (this.current) this.restored.push(this.current);
    this.current = null;
    const missing = this.manifest.workspaces.find((listed) => !this.restored.some((done) => done.listed.path === listed.path));
    if (missing) throw notABackup(`the workspace "${missing.slug}" it lists is not in it.`);
    await this.finish();
    return this.restored.map((done) => done.workspace);
  }

  private checkedManifest(manifest: BackupManifest): BackupManifest {
    if (this.scope === 'workspace' && (manifest.scope !== 'workspace' || manifest.workspaces.length !== 1)) {
      throw new AppError('INVALID_PAYLOAD', 'This archive is a backup of a whole instance; restore it with POST /restore (a superadmin), not as one workspace.', { field: 'archive' });
    }
    if (this.scope === 'instance' && manifest.scope !== 'instance') {
      throw new AppError('INVALID_PAYLOAD', 'This archive is a backup of one workspace; restore it with POST /workspaces/restore.', { field: 'archive' });
    }
    return manifest;
  }

  private async take(entry: ArchiveEntry): Promise<void> {
    const { name } = entry;
    if (ENTRY.accounts.test(name) && this.scope === 'instance' && this.restored.length === 0 && !this.current) return this.takeAccounts(entry);
    let match = ENTRY.document.exec(name);
    if (match && match[2] === 'snapshot') return this.startWorkspace(match[1], await entry.text());
    if (match) return this.takeSettings(this.workspaceAt(match[1], name), entry);
    match = ENTRY.shared.exec(name);
    if (match) return this.takeShared(this.workspaceAt(match[1], name), match[2], entry);
    match = ENTRY.bytes.exec(name);
    if (match) return this.takeBytes(this.workspaceAt(match[1], name), match[2], entry);
    match = ENTRY.items.exec(name);
    if (match) return this.takeItems(this.workspaceAt(match[1], name), match[2] as 'items' | 'links', match[3], entry);
    throw notABackup(`${name} is not an entry of a Cairn backup (or not in its place).`);
  }

  /** The workspace an entry belongs to: the one being restored, named by the entry. */
  private workspaceAt(path: string, name: string): WorkspaceInProgress {
    if (!this.current || this.current.listed.path !== path) throw notABackup(`${name} is not in its place: it comes before its workspace's snapshot.`);
    return this.current;
  }

  private async takeAccounts(entry: ArchiveEntry): Promise<void> {
    const records = parseJsonLines(entry.name, await entry.text()).map((row) => accountFromRecord(entry.name, row));
    await this.s.db.transaction(async (manager) => {
      const repo = manager.getRepository(UserEntity);
      const existing = await repo.find({ where: [{ email: In(records.map((record) => record.email)) }, { id: In(records.map((record) => record.id)) }] });
      for (const record of records) {
        const same = existing.find((account) => account.email.toLowerCase() === record.email.toLowerCase());
        if (same) {
          this.accounts.set(record.id, same.id);
          continue;
        }
        const id = existing.some((account) => account.id === record.id) ? randomUUID() : record.id;
        await repo.insert({ ...record, id });
        this.accounts.set(record.id, id);
        this.createdAccounts.push(id);
      }
    });
  }

  private async startWorkspace(path: string, text: string): Promise<void> {
    const listed = this.manifest!.workspaces.find((workspace) => workspace.path === path);
    if (!listed || this.restored.some((done) => done.listed.path === path) || this.current?.listed.path === path) throw notABackup(`workspaces/${path}/snapshot.json is not a workspace the manifest lists, or comes twice.`);
    if (this.current) this.restored.push(this.current);
    const snapshot = this.s.snapshots.parse(parseJsonEntry(`${workspacePrefix(path)}snapshot.json`, text));
    const owner = this.options.owner;
    const slug = this.scope === 'workspace' ? (this.options.slug ?? listed.slug) : listed.slug;
    let replaces: WorkspaceInProgress['replaces'] = null;
    if (this.options.replace) {
      const existing = await this.s.workspaces.findByRef(slug);
      if (existing) {
        const access = await this.s.workspaces.resolveAccess(owner, existing.slug).catch(() => null);
        if (access?.role !== 'owner') throw forbidden(`Only an owner of "${slug}" may replace it with a restore.`);
        replaces = { workspace: existing, slug };
      }
    }
    // A replacement is restored beside the workspace it replaces, which it takes the place of at the end.
    const restoringSlug = replaces ? `${slug.slice(0, 48)}-restoring-${randomBytes(3).toString('hex')}` : slug;
    const name = (this.scope === 'workspace' ? this.options.name : undefined) ?? listed.name;
    const workspace = await this.s.workspaces.create(owner, { name, slug: restoringSlug });
    const ids = new IdMapping(workspace.id);
    for (const [from, to] of this.accounts) ids.accounts.set(from, to);
    this.current = { listed, workspace, ids, turns: null, pendingBytes: new Map(), replaces };
    if (listed.app_url !== null) await this.s.db.transaction((manager) => manager.getRepository(WorkspaceEntity).update({ id: workspace.id }, { appUrl: listed.app_url }));
    await this.s.snapshots.apply({ workspace, role: 'owner', principal: owner }, snapshot, { dryRun: false, force: false });
    const schema = await this.s.registry.load(this.s.db.dataSource.manager, workspace.id);
    this.current.turns = new Map(dependencyOrder(schema).map((turn) => [turn.collection, { ...turn, definition: schema.collections.get(turn.collection)! }]));
  }

  private async takeSettings(target: WorkspaceInProgress, entry: ArchiveEntry): Promise<void> {
    const settings = parseSettings(entry.name, parseJsonEntry(entry.name, await entry.text()));
    const workspaceId = target.workspace.id;
    await this.s.db.transaction(async (manager) => {
      for (const webhook of settings.webhook_secrets) {
        await manager.createQueryBuilder().update('cairn_webhooks').set({ secret: webhook.secret }).where('workspace_id = :workspaceId AND name = :name', { workspaceId, name: webhook.name }).execute();
      }
      for (const counter of settings.autocode_counters) {
        await manager
          .createQueryBuilder()
          .update('cairn_autocode_counters')
          .set({ last_value: counter.last_value })
          .where('workspace_id = :workspaceId AND collection = :collection AND field = :field', { workspaceId, collection: counter.collection, field: counter.field })
          .execute();
      }
      if (settings.members === undefined) return;
      const members = manager.getRepository(MemberEntity);
      const now = new Date();
      const wanted = new Map<string, MemberEntity['role']>();
      for (const member of settings.members) {
        const userId = this.accounts.get(member.user_id);
        if (userId) wanted.set(userId, member.role);
      }
      const owner = this.options.owner.userId;
      // The restorer was made its owner; it keeps the membership the archive gives it, or none.
      if (wanted.has(owner)) await members.update({ workspaceId, userId: owner }, { role: wanted.get(owner)! });
      else if ([...wanted.values()].includes('owner')) await members.delete({ workspaceId, userId: owner });
      for (const [userId, role] of wanted) {
        if (userId !== owner) await members.insert({ id: randomUUID(), workspaceId, userId, role, createdAt: now, updatedAt: now });
      }
    });
    await this.s.participants.changed(workspaceId);
  }

  private async takeShared(target: WorkspaceInProgress, kind: string, entry: ArchiveEntry): Promise<void> {
    const rows = parseJsonLines(entry.name, await entry.text());
    const workspaceId = target.workspace.id;
    const { ids } = target;
    switch (kind) {
      case 'app-users': {
        const users = rows.map((row) => appUserFromRecord(entry.name, row, workspaceId));
        await this.decide(ids, 'app_users', 'cairn_app_users', users.map((user) => user.id));
        await this.s.db.transaction((manager) => manager.getRepository(AppUserEntity).insert(users.map((user) => ({ ...user, id: ids.id('app_users', user.id) as string }))));
        return;
      }
      case 'folders': {
        await this.decide(ids, 'folders', FOLDERS_COLLECTION.table, rows.map((row) => row.id));
        await insertRows(this.s.db, FOLDERS_COLLECTION, rows.map((row) => ({ ...row, id: ids.id('folders', row.id), workspace_id: workspaceId, parent: null })));
        return;
      }
      case 'folder-parents':
        await updateRows(this.s.db, FOLDERS_COLLECTION, links(entry.name, rows).map((link) => ({ key: ids.id('folders', link.key), values: { parent: ids.id('folders', link.values.parent) } })));
        return;
      case 'files': {
        await this.decide(ids, 'files', FILES_COLLECTION.table, rows.map((row) => row.id));
        const files = rows.map((row) => {
          if (typeof row.id !== 'string' || typeof row.filename_disk !== 'string') throw notABackup(`${entry.name} holds a file without its id or disk name.`);
          const id = ids.id('files', row.id) as string;
          // The disk name starts with the file's id; a new id makes a new name, so two copies never share bytes.
          const filenameDisk = row.filename_disk.startsWith(row.id) ? `${id}${row.filename_disk.slice(row.id.length)}` : row.filename_disk;
          target.pendingBytes.set(row.id, filenameDisk);
          return { ...row, id, workspace_id: workspaceId, storage: this.s.storage.name, filename_disk: filenameDisk, folder: row.folder === null || row.folder === undefined ? null : ids.id('folders', row.folder), uploaded_by: ids.person(row.uploaded_by) };
        });
        await insertRows(this.s.db, FILES_COLLECTION, files);
        return;
      }
    }
  }

  /** Decides at a kind's first chunk whether its ids are taken on this instance (see IdMapping). */
  private async decide(ids: IdMapping, kind: SharedKind, table: string, chunkIds: unknown[]): Promise<void> {
    if (ids.isRemapped(kind) || chunkIds.length === 0) return;
    const strings = chunkIds.filter((id): id is string => typeof id === 'string');
    const taken = await this.s.db.dataSource.createQueryBuilder().select('t.id', 'id').from(table, 't').where('t.id IN (:...ids)', { ids: strings }).limit(1).getRawMany();
    ids.decide(kind, taken.length > 0);
  }

  private async takeBytes(target: WorkspaceInProgress, fileId: string, entry: ArchiveEntry): Promise<void> {
    const filenameDisk = target.pendingBytes.get(fileId);
    if (filenameDisk === undefined) throw notABackup(`${entry.name} holds the bytes of a file its chunk does not list.`);
    target.pendingBytes.delete(fileId);
    const key = storageKey(target.workspace.id, filenameDisk);
    this.storedKeys.push(key);
    let size: number;
    try {
      ({ size } = await this.s.storage.write(key, entry.stream));
    } catch (error) {
      throw archiveError(error);
    }
    if (size !== entry.size) throw notABackup(`${entry.name} is cut short.`);
  }

  private async takeItems(target: WorkspaceInProgress, kind: 'items' | 'links', collection: string, entry: ArchiveEntry): Promise<void> {
    const turn = target.turns?.get(collection);
    if (!turn) throw notABackup(`${entry.name} holds items of "${collection}", which its snapshot does not have.`);
    const rows = parseJsonLines(entry.name, await entry.text());
    const { ids } = target;
    if (kind === 'items') {
      const deferred = new Set(turn.deferred);
      await insertRows(this.s.db, turn.definition, rows.map((row) => {
        const mapped = ids.item(turn.definition, row);
        for (const field of deferred) if (field in mapped) mapped[field] = null;
        return mapped;
      }));
      return;
    }
    await updateRows(this.s.db, turn.definition, links(entry.name, rows).map((link) => ({ key: link.key, values: ids.item(turn.definition, link.values) })));
  }

  /** After the whole archive was read and checked: sequences, caches, and the replaced workspaces. */
  private async finish(): Promise<void> {
    for (const done of this.restored) {
      if (done.pendingBytes.size > 0) this.s.logger.warn(`${done.pendingBytes.size} file(s) of "${done.listed.slug}" came without their bytes (missing from the source's storage).`);
      if (this.s.db.kind === 'postgres') await this.resetSequences(done);
    }
    for (const done of this.restored) {
      if (!done.replaces) continue;
      await this.s.workspaces.remove(done.replaces.workspace);
      done.workspace = await this.s.workspaces.update(done.workspace, { slug: done.replaces.slug });
      done.replaces = null;
    }
  }

  /** PostgreSQL's serial keys: their sequences go past the keys the restore inserted. */
  private async resetSequences(done: WorkspaceInProgress): Promise<void> {
    for (const { definition } of done.turns?.values() ?? []) {
      if (definition.primaryKey !== 'integer') continue;
      await this.s.db.dataSource.query(`SELECT setval(pg_get_serial_sequence($1, 'id'), COALESCE((SELECT MAX("id") FROM "${definition.table.replace(/"/g, '""')}"), 0) + 1, false)`, [`"${definition.table.replace(/"/g, '""')}"`]);
    }
  }

  /** Removes what this restore made; answers whether anything was. */
  async undo(): Promise<boolean> {
    const made = [...this.restored, ...(this.current ? [this.current] : [])];
    let any = made.length > 0 || this.createdAccounts.length > 0;
    for (const done of made) {
      try {
        await this.s.workspaces.remove(done.workspace);
      } catch (error) {
        this.s.logger.error(`Could not remove the half-restored workspace "${done.workspace.slug}": ${String(error)}`);
      }
    }
    for (const key of this.storedKeys) await this.s.storage.delete(key).catch(() => undefined);
    if (this.createdAccounts.length > 0) await this.s.db.transaction((manager) => manager.getRepository(UserEntity).delete({ id: In(this.createdAccounts) })).catch(() => undefined);
    any ||= this.storedKeys.length > 0;
    return any;
  }
}

/** Link records: `{key, values}`. */
function links(entry: string, rows: Row[]): Array<{ key: unknown; values: Row }> {
  return rows.map((row) => {
    if (row.key === undefined || typeof row.values !== 'object' || row.values === null || Array.isArray(row.values)) throw notABackup(`${entry} holds a link that is not {key, values}.`);
    return { key: row.key, values: row.values as Row };
  });
}

/**
 * A failed restore's error for its caller: the archive's rows refused by this database (a value that
 * does not fit, a key taken twice, a reference to nothing) are the archive's fault, a 400; and the
 * message says that what the restore made was removed.
 */
function explained(error: unknown, undone: boolean): unknown {
  let refusal: AppError | null = error instanceof AppError ? error : null;
  if (!refusal && error instanceof UnknownColumn) refusal = notABackup(`it holds items with the value of ${error.message}.`);
  if (!refusal) {
    const failure = classifyDatabaseError(error);
    if (failure === 'unique_violation' || failure === 'foreign_key_violation' || failure === 'out_of_range') {
      refusal = notABackup(`its rows do not fit this database (${failure.replace(/_/g, ' ')}).`);
    }
  }
  if (!refusal) return error;
  if (!undone) return refusal;
  return new AppError(refusal.code, `${refusal.message} The half-restored workspace was removed: nothing was restored.`, refusal.extensions);
}
