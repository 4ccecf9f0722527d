import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectConfig } from '../../config/config.module';
import type { MailConfig, ServerConfig } from '../../config/app-config';
import { MAIL_TRANSPORT, MailMessage, MailTransport } from './mail-transport';
import { SmtpTransport } from './smtp-transport';

/** Sends mail through the configured transport, and builds the links in it. */
@Injectable()
export class Mailer implements OnModuleDestroy {
  private readonly logger = new Logger(Mailer.name);

  constructor(
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    @InjectConfig('mail') private readonly config: MailConfig,
    @InjectConfig('server') private readonly serverConfig: ServerConfig,
  ) {}

  /** False with MAIL_TRANSPORT=none: nothing would be delivered. */
  get enabled(): boolean {
    return this.config.transport !== 'none';
  }

  /**
   * Hands a message to the transport without waiting for delivery: a caller's answer must not depend on
   * how fast or whether the mail server answers (that would tell a known address from an unknown one).
   * A failure is logged, without the message, which may hold a secret.
   */
  dispatch(message: MailMessage): void {
    this.transport.send(message).catch((error: unknown) => {
      this.logger.error(`Could not send a mail of workspace ${message.workspaceId}: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  /**
   * A link to Cairn, from the configured PUBLIC_URL only: a request's Host or X-Forwarded-Host is
   * whatever the caller says, and would let anyone send a victim a link to their own server.
   */
  link(path: string, query: Record<string, string>): string {
    return `${this.serverConfig.publicUrl}${path}?${new URLSearchParams(query).toString()}`;
  }

  /**
   * A link to a workspace's own app: its app_url, which its admins set (never a request's headers), with
   * the query added to whatever query it holds.
   */
  appLink(appUrl: string, query: Record<string, string>): string {
    const url = new URL(appUrl);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    return url.toString();
  }

  onModuleDestroy(): void {
    if (this.transport instanceof SmtpTransport) this.transport.close();
  }
}
