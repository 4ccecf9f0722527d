import { Column, Entity, PrimaryColumn } from 'typeorm';

export type AppUserStatus = 'active' | 'suspended';

/** The app role every app user gets at sign-up. */
export const DEFAULT_APP_ROLE = 'authenticated';

/** An end user of the app built on one workspace: signs in to that workspace only. */
@Entity('cairn_app_users')
export class AppUserEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'workspace_id', type: 'varchar', length: 36 })
  workspaceId!: string;

  @Column({ type: 'varchar', length: 255 })
  email!: string;

  @Column({ name: 'password_hash', type: 'varchar', length: 100 })
  passwordHash!: string;

  @Column({ type: 'varchar', length: 64 })
  role!: string;

  @Column({ name: 'email_verified_at', type: Date, nullable: true })
  emailVerifiedAt!: Date | null;

  /** Access tokens issued before this second are refused. */
  @Column({ name: 'password_changed_at', type: Date, nullable: true })
  passwordChangedAt!: Date | null;

  @Column({ type: 'varchar', length: 16 })
  status!: AppUserStatus;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: Date })
  updatedAt!: Date;
}
