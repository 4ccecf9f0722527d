import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A custom app role of a workspace; `public` and `authenticated` are built in and not stored. */
@Entity('cairn_app_roles')
export class AppRoleEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'workspace_id', type: 'varchar', length: 36 }) workspaceId!: string;
  @Column({ type: 'varchar', length: 64 }) name!: string;
  @Column({ type: 'text', nullable: true }) description!: string | null;
  @Column({ name: 'created_at', type: Date }) createdAt!: Date;
  @Column({ name: 'updated_at', type: Date }) updatedAt!: Date;
}

/** What one app role may do with one collection for one action; filter, fields, validation and presets as JSON. */
@Entity('cairn_policies')
export class PolicyEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'workspace_id', type: 'varchar', length: 36 }) workspaceId!: string;
  /** What people call it ("read published"), for the explanations that name it; optional. */
  @Column({ type: 'varchar', length: 100, nullable: true }) name!: string | null;
  @Column({ type: 'varchar', length: 64 }) role!: string;
  @Column({ type: 'varchar', length: 64 }) collection!: string;
  @Column({ type: 'varchar', length: 16 }) action!: PolicyAction;
  @Column({ type: 'text', nullable: true }) filter!: string | null;
  @Column({ type: 'text' }) fields!: string;
  @Column({ type: 'text', nullable: true }) validation!: string | null;
  @Column({ type: 'text', nullable: true }) presets!: string | null;
  /** The policy applies only to app users whose email is verified. */
  @Column({ name: 'require_verified_email', type: Boolean }) requireVerifiedEmail!: boolean;
  @Column({ name: 'created_at', type: Date }) createdAt!: Date;
  @Column({ name: 'updated_at', type: Date }) updatedAt!: Date;
}

export type PolicyAction = 'create' | 'read' | 'update' | 'delete';
export const POLICY_ACTIONS: readonly PolicyAction[] = ['create', 'read', 'update', 'delete'];
/** The role of anonymous callers, and the default role of app users. */
export const BUILT_IN_ROLES = ['public', 'authenticated'] as const;
