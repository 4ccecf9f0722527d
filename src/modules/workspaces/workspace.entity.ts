import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { WorkspaceRole } from './workspace-roles';

/** A tenant: its collections, app users, roles, files and logs are invisible to every other workspace. */
@Entity('cairn_workspaces')
export class WorkspaceEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 64 })
  slug!: string;

  @Column({ type: 'varchar', length: 255 })
  name!: string;

  @Column({ name: 'created_by', type: 'varchar', length: 36, nullable: true })
  createdBy!: string | null;

  /** The address of the workspace's own app, where its app users' reset and verification links lead; null: Cairn's own pages. */
  @Column({ name: 'app_url', type: 'varchar', length: 2048, nullable: true })
  appUrl!: string | null;

  /** Bumped by every schema change, so every instance can tell whether its cached schema is current. */
  @Column({ name: 'schema_version', type: 'integer', default: 0 })
  schemaVersion!: number;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: Date })
  updatedAt!: Date;
}

/** A platform account's membership of a workspace, with its role there. */
@Entity('cairn_workspace_members')
export class MemberEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'workspace_id', type: 'varchar', length: 36 })
  workspaceId!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: WorkspaceRole;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: Date })
  updatedAt!: Date;
}
