import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A named image transform of a workspace, applied by `/assets/{id}?preset=name`; unset settings take the defaults. */
@Entity('cairn_asset_presets')
export class AssetPresetEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'workspace_id', type: 'varchar', length: 36 }) workspaceId!: string;
  @Column({ type: 'varchar', length: 64 }) name!: string;
  @Column({ type: 'integer', nullable: true }) width!: number | null;
  @Column({ type: 'integer', nullable: true }) height!: number | null;
  @Column({ type: 'varchar', length: 16, nullable: true }) fit!: string | null;
  @Column({ type: 'varchar', length: 8, nullable: true }) format!: string | null;
  @Column({ type: 'integer', nullable: true }) quality!: number | null;
  @Column({ name: 'created_at', type: Date }) createdAt!: Date;
  @Column({ name: 'updated_at', type: Date }) updatedAt!: Date;
}
