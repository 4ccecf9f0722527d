import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An end user of the app built on a workspace; acts there with its app role. */
@Entity('cairn_app_users')
export class AppUserEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'workspace_id', type: 'varchar', length: 36 }) workspaceId!: string;
  @Column({ type: 'varchar', length: 254 }) email!: string;
  @Column({ name: 'password_hash', type: 'varchar', length: 100 }) passwordHash!: string;
  @Column({ type: 'varchar', length: 64 }) role!: string;
  @Column({ type: 'varchar', length: 16 }) status!: 'active' | 'suspended';
  @Column({ name: 'email_verified_at', type: Date, nullable: true }) emailVerifiedAt!: Date | null;
  @Column({ name: 'created_at', type: Date }) createdAt!: Date;
  @Column({ name: 'updated_at', type: Date }) updatedAt!: Date;
}

export interface AppUserDto {
  id: string;
  email: string;
  role: string;
  status: 'active' | 'suspended';
  email_verified: boolean;
  created_at: string;
}

export function toAppUserDto(user: AppUserEntity): AppUserDto {
  return { id: user.id, email: user.email, role: user.role, status: user.status, email_verified: user.emailVerifiedAt !== null, created_at: user.createdAt.toISOString() };
}
