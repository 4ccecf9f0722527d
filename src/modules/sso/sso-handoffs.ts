import { Injectable } from '@nestjs/common';
import { LessThan } from 'typeorm';
import { Clock } from '../../common/clock/clock';
import { Database } from '../../common/database/database.service';
import { hashSecret, newSecret } from '../credentials/secret-hash';
import { SsoHandoffEntity } from './sso-handoff.entity';

export type HandoffKind = 'flow' | 'exchange';

/**
 * Single-use hand-offs of a sign-in, kept in the database so that every instance of a cluster sees them
 * and a replay is refused by all: `take` deletes the row and only the caller whose delete removed it gets
 * the payload. The random value that names a hand-off is never stored, only its hash.
 */
@Injectable()
export class SsoHandoffs {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  /** Stores a payload under a new random name, which it answers, usable once within `ttlMs`. */
  async put(kind: HandoffKind, payload: object, ttlMs: number, name = newSecret()): Promise<string> {
    const now = this.clock.date();
    await this.db.transaction(async (manager) => {
      const repo = manager.getRepository(SsoHandoffEntity);
      // Expired hand-offs are swept as new ones come: nobody can use them any more.
      await repo.delete({ expiresAt: LessThan(now) });
      await repo.insert({ idHash: hashSecret(name), kind, payload: JSON.stringify(payload), expiresAt: new Date(now.getTime() + ttlMs) });
    });
    return name;
  }

  /** The payload of a live hand-off of this kind, used up by this call; null when unknown, used or expired. */
  async take<T>(kind: HandoffKind, name: string): Promise<T | null> {
    const idHash = hashSecret(name);
    const row = await this.db.transaction(async (manager) => {
      const repo = manager.getRepository(SsoHandoffEntity);
      const stored = await repo.findOneBy({ idHash, kind });
      if (!stored) return null;
      // The delete decides: of two concurrent takes, only one removes the row.
      const deleted = await repo.delete({ idHash, kind });
      return deleted.affected === 1 ? stored : null;
    });
    if (!row || row.expiresAt.getTime() <= this.clock.now()) return null;
    return JSON.parse(row.payload) as T;
  }
}
