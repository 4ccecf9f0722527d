import { LRUCache } from 'lru-cache';
import type { MailMessage, MailTransport } from './mail-transport';

export interface RecordedMessage {
  to: string;
  subject: string;
  text: string;
  createdAt: Date;
}

/** Workspaces whose outboxes are kept; the least recently used goes first beyond this. */
const MAX_WORKSPACES = 1000;

/**
 * The dev transport: keeps messages in memory, per workspace and bounded, instead of sending them, so a
 * developer can read them without a mail server. Each instance keeps its own.
 */
export class DevOutbox implements MailTransport {
  private readonly byWorkspace = new LRUCache<string, RecordedMessage[]>({ max: MAX_WORKSPACES });

  constructor(private readonly perWorkspace: number) {}

  /** Records synchronously, so the message is readable as soon as send() is called. */
  send(message: MailMessage): Promise<void> {
    const messages = this.byWorkspace.get(message.workspaceId) ?? [];
    messages.unshift({ to: message.to, subject: message.subject, text: message.text, createdAt: new Date() });
    messages.length = Math.min(messages.length, this.perWorkspace);
    this.byWorkspace.set(message.workspaceId, messages);
    return Promise.resolve();
  }

  /** A workspace's messages, newest first. */
  list(workspaceId: string): readonly RecordedMessage[] {
    return this.byWorkspace.get(workspaceId) ?? [];
  }
}
