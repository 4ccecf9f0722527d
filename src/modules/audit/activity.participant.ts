import { Injectable, OnModuleInit } from '@nestjs/common';
import { Database } from '../../common/database/database.service';
import type { DatabaseKind } from '../../config/app-config';
import { insertedKeyAsText } from '../../engine/write/write.sql';
import type { WriteParticipant, WritePlan } from '../write-participants/write-participant';
import { WriteParticipants } from '../write-participants/write-participants';
import { ACTIVITY_COLUMNS, activityRow, recordActivity } from './activity.recorder';

/** The activity log's part of every write: one row per item written, in the write's transaction. */
export function activityPlan(kind: DatabaseKind): WritePlan {
  return {
    record: async (tx, change) => {
      await recordActivity(tx, kind, { ...change, collection: change.collection.name, items: change.keys }, change.entries);
    },
    statement: (create) => ({
      rows: [
        {
          table: 'cairn_activity',
          columns: ACTIVITY_COLUMNS,
          values: activityRow(kind, { ...create, collection: create.collection.name }, null, undefined, create.entry),
          fromInserted: { item: () => insertedKeyAsText(create.dialect) },
        },
      ],
      variant: '',
    }),
  };
}

/** Joins the activity log to every write of items, on Cairn's tables and external ones alike. */
@Injectable()
export class ActivityParticipant implements WriteParticipant, OnModuleInit {
  readonly order = 10;
  private readonly plan: WritePlan;

  constructor(
    db: Database,
    private readonly participants: WriteParticipants,
  ) {
    this.plan = activityPlan(db.kind);
  }

  onModuleInit(): void {
    this.participants.register(this);
  }

  prepare(): WritePlan {
    return this.plan;
  }
}
