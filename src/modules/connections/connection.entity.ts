import { Column, Entity, PrimaryColumn } from 'typeorm';

export type ConnectionKind = 'postgres' | 'mysql';
export const CONNECTION_KINDS: readonly ConnectionKind[] = ['postgres', 'mysql'];

/** An external database registered in a workspace; its password only as ciphertext. */
@Entity('cairn_connections')
export class ConnectionEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'workspace_id', type: 'varchar', length: 36 }) workspaceId!: string;
  @Column({ type: 'varchar', length: 32 }) name!: string;
  @Column({ type: 'varchar', length: 16 }) kind!: ConnectionKind;
  @Column({ type: 'varchar', length: 255 }) host!: string;
  @Column({ type: 'integer' }) port!: number;
  @Column({ name: 'database_name', type: 'varchar', length: 128 }) databaseName!: string;
  @Column({ type: 'varchar', length: 128 }) username!: string;
  @Column({ type: Boolean }) ssl!: boolean;
  @Column({ name: 'schema_name', type: 'varchar', length: 128, nullable: true }) schemaName!: string | null;
  @Column({ name: 'allow_writes', type: Boolean }) allowWrites!: boolean;
  @Column({ name: 'password_ciphertext', type: 'text' }) passwordCiphertext!: string;
  @Column({ name: 'key_id', type: 'varchar', length: 32 }) keyId!: string;
  /** JSON: the names of the served tables. */
  @Column({ type: 'text' }) tables!: string;
  /** JSON: the IntrospectedTable list of the last introspection. */
  @Column({ type: 'text' }) introspection!: string;
  @Column({ name: 'introspected_at', type: Date }) introspectedAt!: Date;
  @Column({ name: 'created_at', type: Date }) createdAt!: Date;
  @Column({ name: 'updated_at', type: Date }) updatedAt!: Date;
}
