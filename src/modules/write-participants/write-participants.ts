import { Injectable } from '@nestjs/common';
import type { WriteIntent, WriteParticipant, WritePlan } from './write-participant';

/**
 * Where modules register what they add to writes of items (see WriteParticipant), at their init: the
 * writer asks them all, and knows none of them.
 */
@Injectable()
export class WriteParticipants {
  private participants: WriteParticipant[] = [];

  /** Registers a participant; the returned function removes it. */
  register(participant: WriteParticipant): () => void {
    this.participants = [...this.participants, participant].sort((a, b) => a.order - b.order);
    return () => {
      this.participants = this.participants.filter((p) => p !== participant);
    };
  }

  /** The plans of the participants that want this write, in their order. */
  async prepare(intent: WriteIntent): Promise<WritePlan[]> {
    const plans = await Promise.all(this.participants.map((participant) => participant.prepare(intent)));
    return plans.filter((plan): plan is WritePlan => plan !== null);
  }
}
