import { Injectable, OnModuleInit } from '@nestjs/common';
import { In } from 'typeorm';
import { Database } from '../../common/database/database.service';
import { invalidPayload } from '../../common/errors/app-error';
import { AppUserEntity } from '../app-users/app-user.entity';
import { isUserFieldType, type UserKind } from '../schema/users.collection';
import type { FieldDef } from '../schema/schema.types';
import { MemberEntity } from '../workspaces/workspace.entity';
import type { PendingWrite, WriteIntent, WriteParticipant, WritePlan } from '../write-participants/write-participant';
import { WriteParticipants } from '../write-participants/write-participants';

type Row = Record<string, unknown>;

/** A value of a user field, where it was given (`field`, or `index.field` in a batch). */
interface NamedPerson {
  id: string;
  kind: UserKind;
  path: string;
  field: FieldDef;
}

const WHO: Record<UserKind, string> = { app_user: 'an app user', member: 'a member' };

/**
 * Checks, before a write's transaction, that each value of an `app_user` or `member` field names a
 * person of that kind in the workspace: an app user of it, or a platform account that is its member.
 * A field that names anyone else is refused (400 naming the field), so an item can not point at the
 * people of another workspace and expand to them. Runs after the handlers' before hooks, which may
 * rewrite the values.
 */
@Injectable()
export class UserFieldsParticipant implements WriteParticipant, OnModuleInit {
  readonly order = 60;
  private readonly plan: WritePlan = { before: (write) => this.check(write) };

  constructor(
    private readonly db: Database,
    private readonly participants: WriteParticipants,
  ) {}

  onModuleInit(): void {
    this.participants.register(this);
  }

  prepare(intent: WriteIntent): WritePlan | null {
    if (intent.action === 'delete' || !intent.collection.fields.some((field) => isUserFieldType(field.type))) return null;
    return this.plan;
  }

  private async check(write: PendingWrite): Promise<boolean> {
    const named = namedPeople(write);
    for (const kind of ['app_user', 'member'] as const) {
      const ids = [...new Set(named.filter((person) => person.kind === kind).map((person) => person.id))];
      if (ids.length === 0) continue;
      const found = new Set(await this.existing(write.workspaceId, kind, ids));
      const missing = named.find((person) => person.kind === kind && !found.has(person.id));
      if (missing) throw invalidPayload(`Invalid payload: "${missing.field.field}" must be the id of ${WHO[kind]} of this workspace.`, missing.path);
    }
    return false;
  }

  /** Which of these ids are people of the kind in the workspace. */
  private async existing(workspaceId: string, kind: UserKind, ids: string[]): Promise<string[]> {
    const manager = this.db.dataSource.manager;
    if (kind === 'app_user') {
      const rows = await manager.getRepository(AppUserEntity).find({ select: { id: true }, where: { workspaceId, id: In(ids) } });
      return rows.map((row) => row.id);
    }
    const rows = await manager.getRepository(MemberEntity).find({ select: { userId: true }, where: { workspaceId, userId: In(ids) } });
    return rows.map((row) => row.userId);
  }
}

function namedPeople(write: PendingWrite): NamedPerson[] {
  const fields = write.collection.fields.filter((field) => isUserFieldType(field.type));
  const named: NamedPerson[] = [];
  write.payloads.forEach((payload: Row, index) => {
    for (const field of fields) {
      const value = payload[field.field];
      if (typeof value !== 'string') continue;
      const path = write.payloads.length > 1 ? `${index}.${field.field}` : field.field;
      named.push({ id: value.toLowerCase(), kind: field.type as UserKind, path, field });
    }
  });
  return named;
}
