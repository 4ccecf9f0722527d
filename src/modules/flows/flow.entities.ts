import { Column, Entity, PrimaryColumn } from 'typeorm';

export type FlowTriggerType = 'event' | 'schedule' | 'manual';
export type FlowRunStatus = 'pending' | 'running' | 'succeeded' | 'failed';

/** A flow of a workspace: its trigger and its operations, as JSON. */
@Entity('cairn_flows')
export class FlowEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'workspace_id', type: 'varchar', length: 36 }) workspaceId!: string;
  @Column({ type: 'varchar', length: 128 }) name!: string;
  @Column({ type: Boolean }) enabled!: boolean;
  @Column({ name: 'trigger_type', type: 'varchar', length: 16 }) triggerType!: FlowTriggerType;
  @Column({ name: 'trigger_options', type: 'text' }) triggerOptions!: string;
  @Column({ type: 'text' }) operations!: string;
  @Column({ name: 'first_operation', type: 'varchar', length: 64 }) firstOperation!: string;
  @Column({ name: 'created_at', type: Date }) createdAt!: Date;
  @Column({ name: 'updated_at', type: Date }) updatedAt!: Date;
}

/** One run of a flow: what triggered it, and each step's outcome. */
@Entity('cairn_flow_runs')
export class FlowRunEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'flow_id', type: 'varchar', length: 36 }) flowId!: string;
  @Column({ name: 'workspace_id', type: 'varchar', length: 36 }) workspaceId!: string;
  @Column({ name: 'trigger_type', type: 'varchar', length: 16 }) triggerType!: FlowTriggerType;
  @Column({ name: 'trigger_data', type: 'text' }) triggerData!: string;
  @Column({ type: 'varchar', length: 16 }) status!: FlowRunStatus;
  @Column({ type: 'text' }) steps!: string;
  @Column({ type: 'text', nullable: true }) error!: string | null;
  @Column({ name: 'scheduled_for', type: Date, nullable: true }) scheduledFor!: Date | null;
  @Column({ name: 'claimed_until', type: Date, nullable: true }) claimedUntil!: Date | null;
  /** The run this one re-runs with the same trigger data; null for a run its trigger made. */
  @Column({ name: 'rerun_of', type: 'varchar', length: 36, nullable: true }) rerunOf!: string | null;
  @Column({ name: 'created_at', type: Date }) createdAt!: Date;
  @Column({ name: 'started_at', type: Date, nullable: true }) startedAt!: Date | null;
  @Column({ name: 'finished_at', type: Date, nullable: true }) finishedAt!: Date | null;
}
