import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Database } from '../../common/database/database.service';
import { dialectFor } from '../../engine/sql/dialect';
import { STORAGE_DRIVER, StorageDriver } from './storage/storage-driver';

/** Bytes younger than this are left alone: an upload still in flight (here or on another instance) has no row yet. */
export const ORPHAN_GRACE_MS = 60 * 60 * 1000;
const SWEEP_EVERY_MS = 6 * 60 * 60 * 1000;

/**
 * Removes stored bytes that no file row names: what a crash between storing and writing a row, or
 * between deleting a row and its bytes, left behind, partial writes, and the files of deleted
 * workspaces. It runs at start and then every few hours, on each instance; sweeping twice is harmless.
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
    const named = new Map<string, Set<string>>();
    for await (const object of this.storage.list()) {
      if (now.getTime() - object.modified.getTime() < ORPHAN_GRACE_MS) continue;
      const [workspaceId, name] = object.key.split('/');
      if (!named.has(workspaceId)) named.set(workspaceId, await this.namesOf(workspaceId));
      if (named.get(workspaceId)!.has(name)) continue;
      await this.storage.delete(object.key);
      removed++;
    }
    if (removed > 0) this.logger.log(`Removed ${removed} orphaned file object(s).`);
    return removed;
  }

  /** The stored names of a workspace's files (the bytes of this driver only). */
  private async namesOf(workspaceId: string): Promise<Set<string>> {
    const d = dialectFor(this.db.kind);
    const rows = await this.db.read(
      `SELECT ${d.quote('filename_disk')} FROM ${d.quote('cairn_files')} WHERE ${d.quote('workspace_id')} = ${d.placeholder(1)} AND ${d.quote('storage')} = ${d.placeholder(2)}`,
      [workspaceId, this.storage.name],
    );
    return new Set(rows.map((row) => String(row.filename_disk)));
  }
}
