import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Database } from '../../common/database/database.service';
import { dialectFor } from '../../engine/sql/dialect';
import { STORAGE_DRIVER, StorageDriver } from './storage/storage-driver';
import { fileOfVariant } from './transforms/variant-keys';

/** Bytes younger than this are left alone: an upload still in flight (here or on another instance) has no row yet. */
export const ORPHAN_GRACE_MS = 60 * 60 * 1000;
const SWEEP_EVERY_MS = 6 * 60 * 60 * 1000;

/**
 * Removes stored bytes that no file row names: what a crash between storing and writing a row, or
 * between deleting a row and its bytes, left behind, partial writes, the files of deleted workspaces,
 * and transformed variants whose file is gone. It runs at start and then every few hours, on each instance; sweeping twice is harmless.
 */
@Injectable()
export class OrphanSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OrphanSweeper.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(
    private readonly db: Database,
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
  ) {}

  onApplicationBootstrap(): void {
    const run = () => void this.sweep().catch((error: unknown) => this.logger.warn(`The sweep of orphaned file bytes failed: ${String(error)}`));
    run();
    this.timer = setInterval(run, SWEEP_EVERY_MS).unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Removes the orphans older than the grace period; answers how many. */
  sweep(now = new Date()): Promise<number> {
    this.running ??= this.sweepOnce(now).finally(() => (this.running = null));
    return this.running;
  }

  private async sweepOnce(now: Date): Promise<number> {
    let removed = 0;
    const named = new Map<string, StoredNames>();
    for await (const object of this.storage.list()) {
      if (now.getTime() - object.modified.getTime() < ORPHAN_GRACE_MS) continue;
      const [workspaceId, name] = object.key.split('/');
      if (!named.has(workspaceId)) named.set(workspaceId, await this.namesOf(workspaceId));
      const { names, fileIds } = named.get(workspaceId)!;
      // A transformed variant lives as long as its file.
      const variantOf = fileOfVariant(name);
      if (variantOf === null ? names.has(name) : fileIds.has(variantOf)) continue;
      await this.storage.delete(object.key);
      removed++;
    }
    if (removed > 0) this.logger.log(`Removed ${removed} orphaned file object(s).`);
    return removed;
  }

  /** The stored names of a workspace's files (the bytes of this driver only), and their ids, which keep their variants. */
  private async namesOf(workspaceId: string): Promise<StoredNames> {
    const d = dialectFor(this.db.kind);
    const rows = await this.db.read(
      `SELECT ${d.quote('filename_disk')} FROM ${d.quote('cairn_files')} WHERE ${d.quote('workspace_id')} = ${d.placeholder(1)} AND ${d.quote('storage')} = ${d.placeholder(2)}`,
      [workspaceId, this.storage.name],
    );
    const names = rows.map((row) => String(row.filename_disk));
    // A stored name is the file's id and its extension (diskName).
    return { names: new Set(names), fileIds: new Set(names.map((name) => name.split('.')[0])) };
  }
}

interface StoredNames {
  names: Set<string>;
  fileIds: Set<string>;
}
