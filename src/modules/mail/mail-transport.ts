/** One message to one recipient, sent on behalf of a workspace. */
export interface MailMessage {
  workspaceId: string;
  to: string;
  subject: string;
  text: string;
}

/** Where messages go: an SMTP server, the dev outbox, or nowhere. */
export interface MailTransport {
  send(message: MailMessage): Promise<void>;
}

export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');
