import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One refresh token, stored as its SHA-256 hash. Tokens of one sign-in share a family: each refresh
 * uses one up and issues the next; presenting a used one revokes the whole family.
 */
@Entity('cairn_refresh_tokens')
export class RefreshTokenEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** 'platform' for platform accounts, `ws:<workspace id>` for that workspace's app users. */
  @Column({ type: 'varchar', length: 64 })
  realm!: string;

  @Column({ name: 'subject_id', type: 'varchar', length: 36 })
  subjectId!: string;

  @Column({ name: 'family_id', type: 'varchar', length: 36 })
  familyId!: string;

  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column({ name: 'expires_at', type: Date })
  expiresAt!: Date;

  @Column({ name: 'used_at', type: Date, nullable: true })
  usedAt!: Date | null;

  @Column({ name: 'revoked_at', type: Date, nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;
}
