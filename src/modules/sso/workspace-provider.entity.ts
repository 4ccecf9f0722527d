import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The OpenID Connect provider a workspace's app users sign in with: one per workspace. */
@Entity('cairn_sso_workspace_providers')
export class WorkspaceProviderEntity {
  @PrimaryColumn({ name: 'workspace_id', type: 'varchar', length: 36 }) workspaceId!: string;
  @Column({ type: 'varchar', length: 2048 }) issuer!: string;
  @Column({ name: 'client_id', type: 'varchar', length: 512 }) clientId!: string;
  /** Never answered by the API; null for a public client (PKCE alone). */
  @Column({ name: 'client_secret', type: 'text', nullable: true }) clientSecret!: string | null;
  @Column({ type: Boolean }) enabled!: boolean;
  /** Whether a first sign-in with an unknown (verified) email creates the app user. */
  @Column({ name: 'allow_signup', type: Boolean }) allowSignup!: boolean;
  /** JSON array of the URLs the callback may send the browser back to. */
  @Column({ name: 'return_urls', type: 'text' }) returnUrls!: string;
  @Column({ name: 'updated_by', type: 'varchar', length: 36, nullable: true }) updatedBy!: string | null;
  @Column({ name: 'updated_at', type: Date }) updatedAt!: Date;
}
