import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A collection of a workspace and the real table behind it. */
@Entity('cairn_collections')
export class CollectionEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'workspace_id', type: 'varchar', length: 36 }) workspaceId!: string;
  @Column({ type: 'varchar', length: 64 }) name!: string;
  @Column({ name: 'table_name', type: 'varchar', length: 64 }) tableName!: string;
  @Column({ name: 'primary_key', type: 'varchar', length: 16 }) primaryKey!: 'integer' | 'uuid';
  @Column({ type: 'text', nullable: true }) note!: string | null;
  @Column({ name: 'created_at', type: Date }) createdAt!: Date;
  @Column({ name: 'updated_at', type: Date }) updatedAt!: Date;
}

/** A user-defined field; its options (required, unique, validation…) are kept as JSON. */
@Entity('cairn_fields')
export class FieldEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'workspace_id', type: 'varchar', length: 36 }) workspaceId!: string;
  @Column({ type: 'varchar', length: 64 }) collection!: string;
  @Column({ type: 'varchar', length: 64 }) field!: string;
  @Column({ type: 'varchar', length: 16 }) type!: string;
  @Column({ type: 'text' }) options!: string;
  @Column({ type: 'integer' }) sort!: number;
  @Column({ name: 'created_at', type: Date }) createdAt!: Date;
  @Column({ name: 'updated_at', type: Date }) updatedAt!: Date;
}

@Entity('cairn_relations')
export class RelationEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'workspace_id', type: 'varchar', length: 36 }) workspaceId!: string;
  @Column({ type: 'varchar', length: 64 }) collection!: string;
  @Column({ type: 'varchar', length: 64 }) field!: string;
  @Column({ name: 'related_collection', type: 'varchar', length: 64 }) relatedCollection!: string;
  @Column({ name: 'on_delete', type: 'varchar', length: 16 }) onDelete!: string;
  @Column({ name: 'one_field', type: 'varchar', length: 64, nullable: true }) oneField!: string | null;
  @Column({ type: 'text', nullable: true }) junction!: string | null;
  @Column({ name: 'created_at', type: Date }) createdAt!: Date;
}

/** A composite index; `fields` is the JSON list of the API's form, `-` before a descending field. */
@Entity('cairn_indexes')
export class IndexEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'workspace_id', type: 'varchar', length: 36 }) workspaceId!: string;
  @Column({ type: 'varchar', length: 64 }) collection!: string;
  @Column({ type: 'varchar', length: 64 }) name!: string;
  @Column({ type: 'text' }) fields!: string;
  @Column({ name: 'is_unique', type: Boolean }) unique!: boolean;
  @Column({ name: 'created_at', type: Date }) createdAt!: Date;
}

/** One applied schema change: who, when, what. */
@Entity('cairn_schema_migrations')
export class SchemaMigrationEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'workspace_id', type: 'varchar', length: 36 }) workspaceId!: string;
  @Column({ type: 'integer' }) version!: number;
  @Column({ type: 'varchar', length: 32 }) action!: string;
  @Column({ type: 'text' }) detail!: string;
  @Column({ name: 'actor_id', type: 'varchar', length: 36, nullable: true }) actorId!: string | null;
  @Column({ name: 'actor_type', type: 'varchar', length: 16 }) actorType!: string;
  @Column({ name: 'created_at', type: Date }) createdAt!: Date;
}
