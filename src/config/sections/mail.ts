import { defineSection } from '../section';
import { integer, matching, oneOf, text } from '../variable';

const MAIL_ADDRESS = /^([^<>\r\n]*<[^<>\s@]+@[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+)$/;

/** How mail leaves Cairn: through an SMTP server, into an in-memory outbox for development, or nowhere. */
export const mail = defineSection({
  variables: {
    transport: oneOf('MAIL_TRANSPORT', ['smtp', 'dev', 'none'], 'none'),
    /** The SMTP server, for the smtp transport: smtp://user:pass@host:587 or smtps://…. */
    smtpUrl: text('SMTP_URL', undefined, matching(/^smtps?:\/\/[^/\s]+/, 'must be a URL such as smtp://user:pass@host:587 or smtps://host:465')).to((url) => url ?? null),
    /** The sender of every message. */
    from: text('MAIL_FROM', 'Cairn <no-reply@localhost>', matching(MAIL_ADDRESS, 'must be an address such as no-reply@example.com or "Name <no-reply@example.com>"')),
    /** How many messages the dev outbox keeps per workspace, newest first. */
    devOutboxSize: integer('MAIL_DEV_OUTBOX_SIZE', 50, 1, 1000),
  },
  rules: (v, server) => [
    ...(v.transport === 'smtp' && !v.smtpUrl ? ['SMTP_URL must be set when MAIL_TRANSPORT=smtp'] : []),
    ...(v.transport === 'dev' && server.nodeEnv === 'production' ? ['MAIL_TRANSPORT=dev keeps mail in memory for development; it cannot be used when NODE_ENV=production'] : []),
  ],
});
