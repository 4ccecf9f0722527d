import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A single-use, short-lived step of a sign-in, found by the hash of the random value that names it:
 * a flow waiting at the provider (named by its `state`) or a signed-in session waiting to be exchanged
 * (named by the one-time code the client received).
 */
@Entity('cairn_sso_handoffs')
export class SsoHandoffEntity {
  @PrimaryColumn({ name: 'id_hash', type: 'varchar', length: 64 }) idHash!: string;
  @Column({ type: 'varchar', length: 16 }) kind!: string;
  /** JSON. */
  @Column({ type: 'text' }) payload!: string;
  @Column({ name: 'expires_at', type: Date }) expiresAt!: Date;
}
