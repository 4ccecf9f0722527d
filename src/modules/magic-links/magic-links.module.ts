import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MagicLinkEntity } from './magic-link.entity';
import { MagicLinksService } from './magic-links.service';

/**
 * Passwordless sign-in links by mail, for accounts and app users; their routes are in auth/ and
 * app-users/, beside the other sign-in routes. The Mailer comes from the global MailModule.
 */
@Module({
  imports: [TypeOrmModule.forFeature([MagicLinkEntity])],
  providers: [MagicLinksService],
  exports: [MagicLinksService],
})
export class MagicLinksModule {}
