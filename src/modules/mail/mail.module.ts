import { DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { DevOutbox } from './dev-outbox';
import { DevOutboxController } from './dev-outbox.controller';
import { MAIL_TRANSPORT, MailTransport } from './mail-transport';
import { Mailer } from './mailer';
import { SmtpTransport } from './smtp-transport';

/** No transport: with MAIL_TRANSPORT=none messages are dropped. */
const NO_TRANSPORT: MailTransport = { send: () => Promise.resolve() };

/**
 * Mail, with the transport MAIL_TRANSPORT chooses. The dev outbox route exists only with the dev
 * transport; otherwise its path answers 404 like any unknown route.
 */
@Module({})
export class MailModule {
  static forRoot(config: AppConfig): DynamicModule {
    const dev = config.mail.transport === 'dev';
    return {
      module: MailModule,
      global: true,
      imports: dev ? [WorkspacesModule] : [],
      controllers: dev ? [DevOutboxController] : [],
      providers: [{ provide: MAIL_TRANSPORT, useFactory: () => transportFor(config) }, Mailer],
      exports: [Mailer],
    };
  }
}

function transportFor(config: AppConfig): MailTransport {
  switch (config.mail.transport) {
    case 'smtp':
      return new SmtpTransport(config.mail.smtpUrl!, config.mail.from);
    case 'dev':
      return new DevOutbox(config.mail.devOutboxSize);
    case 'none':
      return NO_TRANSPORT;
  }
}
