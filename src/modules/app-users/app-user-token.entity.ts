import { Column, Entity, PrimaryColumn } from 'typeorm';

/** What a mailed token lets its bearer do, once. */
export type AppUserTokenPurpose = 'password_reset' | 'email_verification';

/** A single-use token sent to an app user by mail, stored as its SHA-256 hash. */
@Entity('cairn_app_user_tokens')
export class AppUserTokenEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'app_user_id', type: 'varchar', length: 36 })
  appUserId!: string;

  @Column({ type: 'varchar', length: 32 })
  purpose!: AppUserTokenPurpose;

  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column({ name: 'expires_at', type: Date })
  expiresAt!: Date;

  @Column({ name: 'used_at', type: Date, nullable: true })
  usedAt!: Date | null;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;
}
