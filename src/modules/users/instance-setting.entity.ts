import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A setting of the instance its superadmin set through the API; absent, the environment's value holds. */
@Entity('cairn_instance_settings')
export class InstanceSettingEntity {
  @PrimaryColumn({ name: 'setting_key', type: 'varchar', length: 64 }) key!: string;
  /** JSON. */
  @Column({ type: 'text' }) value!: string;
  @Column({ name: 'updated_by', type: 'varchar', length: 36, nullable: true }) updatedBy!: string | null;
  @Column({ name: 'updated_at', type: Date }) updatedAt!: Date;
}
