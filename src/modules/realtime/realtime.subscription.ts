import type { FeedEvent } from '../data/feed/feed-event';
import type { FeedSubscription } from '../data/feed/feed-group';
import type { ItemsAccess } from '../workspaces/workspaces.service';
import { TextFrame, textFrame } from './realtime.frames';
import { outgoing, SubscriptionEvent } from './realtime.protocol';

type Row = Record<string, unknown>;

/** What a subscription needs of its connection: its caller, and a way to send it a message. */
export interface Subscriber {
  readonly access: ItemsAccess;
  /** Callers with equal keys read the same rows of a query, so one read serves all of them. */
  readonly callerKey: string;
  send(frame: TextFrame): void;
}

/** One subscription of one connection to a collection's (or a view's) changes, as the change feed hands them. */
export class Subscription implements FeedSubscription {
  /** Events that arrived before the subscription's init was sent, delivered right after it. */
  private queued: TextFrame[] | null = [];
  readonly queryKey: string;

  constructor(
    private readonly subscriber: Subscriber,
    readonly workspaceId: string,
    readonly uid: string,
    readonly collection: string,
    readonly query: Record<string, unknown>,
    readonly event: SubscriptionEvent | null,
  ) {
    this.queryKey = JSON.stringify(query);
  }

  get access(): ItemsAccess {
    return this.subscriber.access;
  }

  get callerKey(): string {
    return this.subscriber.callerKey;
  }

  /** An event of the subscription's group, framed once per uid for all the group's subscriptions. */
  receive(event: FeedEvent): void {
    if (this.event !== null && this.event !== event.action) return;
    this.deliver(event.shared(Subscription, this.uid, () => textFrame(outgoing.event(event.action, event.json, this.uid))));
  }

  /** Sends the init event and whatever arrived meanwhile; from then on events go out at once. */
  start(rows: Row[]): void {
    this.subscriber.send(textFrame(outgoing.event('init', JSON.stringify(rows), this.uid)));
    const queued = this.queued ?? [];
    this.queued = null;
    for (const frame of queued) this.subscriber.send(frame);
  }

  private deliver(frame: TextFrame): void {
    if (this.queued) this.queued.push(frame);
    else this.subscriber.send(frame);
  }
}
