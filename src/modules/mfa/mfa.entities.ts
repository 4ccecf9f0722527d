import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One subject's TOTP factor: its secret sealed with the instance's key, pending until a first code turns it
 * on. `lastTimeStep` is the time step of the last code accepted, so that no code is accepted twice.
 */
@Entity('cairn_mfa_factors')
export class MfaFactorEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  /** `platform` for accounts, `ws:<workspace id>` for a workspace's app users. */
  @Column({ type: 'varchar', length: 64 }) realm!: string;
  @Column({ name: 'subject_id', type: 'varchar', length: 36 }) subjectId!: string;
  @Column({ name: 'secret_ciphertext', type: 'text' }) secretCiphertext!: string;
  @Column({ name: 'key_id', type: 'varchar', length: 16 }) keyId!: string;
  @Column({ name: 'enabled_at', type: Date, nullable: true }) enabledAt!: Date | null;
  @Column({ name: 'last_time_step', type: 'integer', nullable: true }) lastTimeStep!: number | null;
  @Column({ name: 'created_at', type: Date }) createdAt!: Date;
  @Column({ name: 'updated_at', type: Date }) updatedAt!: Date;
}

/** A one-time recovery code of a factor, stored as a hash; used once, then never again. */
@Entity('cairn_mfa_recovery_codes')
export class MfaRecoveryCodeEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'factor_id', type: 'varchar', length: 36 }) factorId!: string;
  @Column({ name: 'code_hash', type: 'varchar', length: 64 }) codeHash!: string;
  @Column({ name: 'used_at', type: Date, nullable: true }) usedAt!: Date | null;
  @Column({ name: 'created_at', type: Date }) createdAt!: Date;
}

/** The step between a correct password (or magic link) and a code: a short-lived token, stored hashed. */
@Entity('cairn_mfa_challenges')
export class MfaChallengeEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ type: 'varchar', length: 64 }) realm!: string;
  @Column({ name: 'subject_id', type: 'varchar', length: 36 }) subjectId!: string;
  @Column({ name: 'token_hash', type: 'varchar', length: 64 }) tokenHash!: string;
  /** Wrong codes given with this challenge; past the limit it is used up. */
  @Column({ type: 'integer' }) attempts!: number;
  @Column({ name: 'expires_at', type: Date }) expiresAt!: Date;
  @Column({ name: 'used_at', type: Date, nullable: true }) usedAt!: Date | null;
  @Column({ name: 'created_at', type: Date }) createdAt!: Date;
}

/** A workspace's sign-in rules; a workspace without a row has every rule off. */
@Entity('cairn_workspace_sign_in')
export class WorkspaceSignInEntity {
  @PrimaryColumn({ name: 'workspace_id', type: 'varchar', length: 36 }) workspaceId!: string;
  @Column({ name: 'require_mfa_members', type: Boolean }) requireMfaMembers!: boolean;
  @Column({ name: 'require_mfa_app_users', type: Boolean }) requireMfaAppUsers!: boolean;
  @Column({ name: 'app_user_magic_links', type: Boolean }) appUserMagicLinks!: boolean;
  @Column({ name: 'updated_at', type: Date }) updatedAt!: Date;
}
