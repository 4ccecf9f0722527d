import { Column, Entity, PrimaryColumn } from 'typeorm';

export type UserStatus = 'active' | 'disabled';

/** A platform account: someone who signs in to Cairn and works in workspaces. */
@Entity('cairn_users')
export class UserEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 255 })
  email!: string;

  @Column({ name: 'password_hash', type: 'varchar', length: 100 })
  passwordHash!: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  name!: string | null;

  @Column({ name: 'is_superadmin', type: Boolean })
  isSuperadmin!: boolean;

  @Column({ type: 'varchar', length: 16 })
  status!: UserStatus;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: Date })
  updatedAt!: Date;
}
