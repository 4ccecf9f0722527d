import { DynamicModule, Module } from '@nestjs/common';
import type { MailConfig } from '../../config/app-config';
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
  static forRoot(config: MailConfig): DynamicModule {
    const dev = config.transport === 'dev';
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

function transportFor(config: MailConfig): MailTransport {
  switch (config.transport) {
    case 'smtp':
      return new SmtpTransport(config.smtpUrl!, config.from);
    case 'dev':
      return new DevOutbox(config.devOutboxSize);
    case 'none':
      return NO_TRANSPORT;
  }
}
