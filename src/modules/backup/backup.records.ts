import type { AppUserEntity, AppUserStatus } from '../app-users/app-user.entity';
import type { UserEntity, UserStatus } from '../users/user.entity';
import type { WorkspaceRole } from '../workspaces/workspace-roles';
import { notABackup } from './backup.format';

type Row = Record<string, unknown>;

/**
 * The records of an archive that are not items (app users, accounts, a workspace's settings): how
 * they are written, and how a restore reads them back, every value checked (400 naming the entry).
 */

/** What a snapshot leaves out and a restore needs, per workspace (`settings.json`). */
export interface WorkspaceSettings {
  /** Webhooks' signing secrets by webhook name: receivers keep verifying the restored webhooks' calls. */
  webhook_secrets: Array<{ name: string; secret: string }>;
  /** The last number each autocode field gave, so the restored workspace does not hand out a code twice. */
  autocode_counters: Array<{ collection: string; field: string; last_value: number }>;
  /** Instance archives only: who was a member with which role (accounts travel in `instance/accounts/`). */
  members?: Array<{ user_id: string; role: WorkspaceRole }>;
}

export interface AppUserRecord {
  id: string;
  email: string;
  password_hash: string;
  role: string;
  status: AppUserStatus;
  email_verified_at: string | null;
  password_changed_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface AccountRecord {
  id: string;
  email: string;
  password_hash: string;
  name: string | null;
  is_superadmin: boolean;
  status: UserStatus;
  created_at: string;
  updated_at: string;
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function appUserRecord(user: AppUserEntity): AppUserRecord {
  return {
    id: user.id,
    email: user.email,
    password_hash: user.passwordHash,
    role: user.role,
    status: user.status,
    email_verified_at: iso(user.emailVerifiedAt),
    password_changed_at: iso(user.passwordChangedAt),
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  };
}

export function accountRecord(account: UserEntity): AccountRecord {
  return {
    id: account.id,
    email: account.email,
    password_hash: account.passwordHash,
    name: account.name,
    is_superadmin: account.isSuperadmin,
    status: account.status,
    created_at: account.createdAt.toISOString(),
    updated_at: account.updatedAt.toISOString(),
  };
}

/** A checker of one record's values, naming the entry in its refusal. */
class RecordReader {
  constructor(
    private readonly entry: string,
    private readonly row: Row,
  ) {}

  private refuse(key: string): never {
    throw notABackup(`${this.entry} holds a record whose "${key}" is not valid.`);
  }

  string(key: string): string {
    const value = this.row[key];
    return typeof value === 'string' && value.length <= 255 ? value : this.refuse(key);
  }

  nullableString(key: string): string | null {
    return this.row[key] === null || this.row[key] === undefined ? null : this.string(key);
  }

  oneOf<T extends string>(key: string, values: readonly T[]): T {
    const value = this.row[key];
    return values.includes(value as T) ? (value as T) : this.refuse(key);
  }

  date(key: string): Date {
    const value = this.row[key];
    const date = typeof value === 'string' ? new Date(value) : null;
    return date && !Number.isNaN(date.getTime()) ? date : this.refuse(key);
  }

  nullableDate(key: string): Date | null {
    return this.row[key] === null || this.row[key] === undefined ? null : this.date(key);
  }

  boolean(key: string): boolean {
    const value = this.row[key];
    return typeof value === 'boolean' ? value : this.refuse(key);
  }
}

/** An app user's row from its record, in the workspace it is restored into. */
export function appUserFromRecord(entry: string, row: Row, workspaceId: string): AppUserEntity {
  const read = new RecordReader(entry, row);
  return {
    id: read.string('id'),
    workspaceId,
    email: read.string('email'),
    passwordHash: read.string('password_hash'),
    role: read.string('role'),
    status: read.oneOf('status', ['active', 'suspended'] as const),
    emailVerifiedAt: read.nullableDate('email_verified_at'),
    passwordChangedAt: read.nullableDate('password_changed_at'),
    createdAt: read.date('created_at'),
    updatedAt: read.date('updated_at'),
  };
}

export function accountFromRecord(entry: string, row: Row): UserEntity {
  const read = new RecordReader(entry, row);
  return {
    id: read.string('id'),
    email: read.string('email'),
    passwordHash: read.string('password_hash'),
    name: read.nullableString('name'),
    isSuperadmin: read.boolean('is_superadmin'),
    status: read.oneOf('status', ['active', 'disabled'] as const),
    createdAt: read.date('created_at'),
    updatedAt: read.date('updated_at'),
  };
}

const ROLES: readonly WorkspaceRole[] = ['owner', 'admin', 'editor', 'viewer'];

/** A workspace's settings.json, checked. */
export function parseSettings(entry: string, raw: unknown): WorkspaceSettings {
  const document = raw as Partial<Record<keyof WorkspaceSettings, unknown>> | null;
  if (typeof document !== 'object' || document === null || !Array.isArray(document.webhook_secrets) || !Array.isArray(document.autocode_counters)) {
    throw notABackup(`${entry} does not hold a workspace's settings.`);
  }
  const rows = (list: unknown[]) => list.map((item) => (typeof item === 'object' && item !== null ? (item as Row) : {}));
  const settings: WorkspaceSettings = {
    webhook_secrets: rows(document.webhook_secrets).map((row) => {
      const read = new RecordReader(entry, row);
      return { name: read.string('name'), secret: read.string('secret') };
    }),
    autocode_counters: rows(document.autocode_counters).map((row) => {
      const read = new RecordReader(entry, row);
      const value = row.last_value;
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw notABackup(`${entry} holds an autocode counter that is not a count.`);
      return { collection: read.string('collection'), field: read.string('field'), last_value: value };
    }),
  };
  if (document.members !== undefined) {
    if (!Array.isArray(document.members)) throw notABackup(`${entry} holds members that are not a list.`);
    settings.members = rows(document.members).map((row) => {
      const read = new RecordReader(entry, row);
      return { user_id: read.string('user_id'), role: read.oneOf('role', ROLES) };
    });
  }
  return settings;
}
