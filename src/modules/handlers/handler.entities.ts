import { Column, Entity, PrimaryColumn } from 'typeorm';

export type HandlerKind = 'before' | 'after' | 'endpoint';
export const HANDLER_KINDS: readonly HandlerKind[] = ['before', 'after', 'endpoint'];

export type HandlerEvent = 'create' | 'update' | 'delete';
export const HANDLER_EVENTS: readonly HandlerEvent[] = ['create', 'update', 'delete'];

export const HANDLER_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HandlerMethod = (typeof HANDLER_METHODS)[number];

/**
 * A workspace admin's JavaScript: a before or after hook on a collection's writes, or a custom endpoint.
 * Hooks have a collection and events (JSON); endpoints a method and a path pattern.
 */
@Entity('cairn_handlers')
export class HandlerEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'workspace_id', type: 'varchar', length: 36 }) workspaceId!: string;
  @Column({ type: 'varchar', length: 128 }) name!: string;
  @Column({ type: 'varchar', length: 16 }) kind!: HandlerKind;
  @Column({ type: 'varchar', length: 64, nullable: true }) collection!: string | null;
  @Column({ type: 'text', nullable: true }) events!: string | null;
  @Column({ type: 'varchar', length: 8, nullable: true }) method!: HandlerMethod | null;
  @Column({ type: 'varchar', length: 512, nullable: true }) path!: string | null;
  @Column({ type: 'text' }) code!: string;
  @Column({ type: Boolean }) enabled!: boolean;
  /** Null: the configured default (HANDLER_TIMEOUT, HANDLER_MEMORY_MB). */
  @Column({ name: 'timeout_ms', type: 'integer', nullable: true }) timeoutMs!: number | null;
  @Column({ name: 'memory_mb', type: 'integer', nullable: true }) memoryMb!: number | null;
  @Column({ name: 'created_at', type: Date }) createdAt!: Date;
  @Column({ name: 'updated_at', type: Date }) updatedAt!: Date;
}

/** How a run ended: answered, threw, ran past its deadline, ran out of memory, or lost its process. */
export type RunStatus = 'ok' | 'error' | 'timeout' | 'memory' | 'crash';

/** One run of a handler, kept (the newest HANDLER_RUN_LOG_SIZE per handler) for its authors to debug. */
@Entity('cairn_handler_runs')
export class HandlerRunEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'handler_id', type: 'varchar', length: 36 }) handlerId!: string;
  @Column({ type: 'varchar', length: 16 }) status!: RunStatus;
  @Column({ name: 'duration_ms', type: 'integer' }) durationMs!: number;
  /** JSON: the lines the run passed to log(), bounded. */
  @Column({ type: 'text' }) logs!: string;
  @Column({ type: 'text', nullable: true }) error!: string | null;
  @Column({ name: 'created_at', type: Date }) createdAt!: Date;
}
