import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A one-time setup token, stored as its SHA-256 hash, that lets the first account of an instance with
 * none register (and so become its superadmin). Each instance that starts on a database with no account
 * adds the token it prints; any of them is accepted, and the first account's creation deletes them all.
 */
@Entity('cairn_setup_tokens')
export class SetupTokenEntity {
  @PrimaryColumn({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;
}
