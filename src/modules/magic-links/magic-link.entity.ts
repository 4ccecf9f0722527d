import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A mailed sign-in link's token, stored as its SHA-256 hash; it signs in once, until it expires. */
@Entity('cairn_magic_links')
export class MagicLinkEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  /** `platform` for accounts, `ws:<workspace id>` for a workspace's app users. */
  @Column({ type: 'varchar', length: 64 }) realm!: string;
  @Column({ name: 'subject_id', type: 'varchar', length: 36 }) subjectId!: string;
  @Column({ name: 'token_hash', type: 'varchar', length: 64 }) tokenHash!: string;
  @Column({ name: 'expires_at', type: Date }) expiresAt!: Date;
  @Column({ name: 'used_at', type: Date, nullable: true }) usedAt!: Date | null;
  @Column({ name: 'created_at', type: Date }) createdAt!: Date;
}
