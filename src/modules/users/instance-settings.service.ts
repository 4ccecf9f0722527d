import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { AuthConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { InstanceSettingEntity } from './instance-setting.entity';

/** A setting of the instance: the environment gives its default, the superadmin may override it. */
export interface InstanceSetting {
  key: 'self_registration';
  value: boolean;
  /** The environment's value, in force when the setting was never changed (or was reset). */
  default: boolean;
  /** Whether the superadmin's choice, stored in the database, overrides the environment. */
  overridden: boolean;
  variable: string;
  description: string;
  updated_at: string | null;
}

const SELF_REGISTRATION = 'self_registration';

/**
 * Settings of the instance, read from the database on each use (so every instance of a cluster agrees at
 * once), falling back to the environment variable that was their only source before.
 */
@Injectable()
export class InstanceSettingsService {
  constructor(
    @InjectRepository(InstanceSettingEntity) private readonly settings: Repository<InstanceSettingEntity>,
    @InjectConfig('auth') private readonly auth: AuthConfig,
  ) {}

  async selfRegistration(): Promise<boolean> {
    return (await this.describeSelfRegistration()).value;
  }

  async list(): Promise<InstanceSetting[]> {
    return [await this.describeSelfRegistration()];
  }

  /** Sets self-registration on or off; null drops the override, back to the environment's value. */
  async setSelfRegistration(value: boolean | null, by: string): Promise<void> {
    if (value === null) {
      await this.settings.delete({ key: SELF_REGISTRATION });
      return;
    }
    await this.settings.save(Object.assign(new InstanceSettingEntity(), { key: SELF_REGISTRATION, value: JSON.stringify(value), updatedBy: by, updatedAt: new Date() }));
  }

  private async describeSelfRegistration(): Promise<InstanceSetting> {
    const stored = await this.settings.findOneBy({ key: SELF_REGISTRATION });
    const fallback = this.auth.selfRegistration;
    return {
      key: SELF_REGISTRATION,
      value: stored ? (JSON.parse(stored.value) as boolean) : fallback,
      default: fallback,
      overridden: stored !== null,
      variable: 'AUTH_SELF_REGISTRATION',
      description: 'Whether anyone may create a platform account with POST /auth/register; when off, only the superadmin creates accounts.',
      updated_at: stored ? stored.updatedAt.toISOString() : null,
    };
  }
}
