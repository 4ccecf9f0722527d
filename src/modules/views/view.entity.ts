import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A view of a workspace: a named query over a source collection, stored as JSON. */
@Entity('cairn_views')
export class ViewEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'workspace_id', type: 'varchar', length: 36 }) workspaceId!: string;
  @Column({ type: 'varchar', length: 64 }) name!: string;
  @Column({ type: 'varchar', length: 64 }) source!: string;
  /** JSON: {fields, filter, sort, groupBy, aggregate}. */
  @Column({ type: 'text' }) query!: string;
  /** JSON: {alias: expression}; null when there is none. */
  @Column({ type: 'text', nullable: true }) computed!: string | null;
  @Column({ name: 'is_public', type: Boolean }) isPublic!: boolean;
  @Column({ name: 'public_requires_key', type: Boolean }) publicRequiresKey!: boolean;
  @Column({ name: 'created_by', type: 'varchar', length: 36, nullable: true }) createdBy!: string | null;
  @Column({ name: 'created_at', type: Date }) createdAt!: Date;
  @Column({ name: 'updated_at', type: Date }) updatedAt!: Date;
}
