import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppUserEntity } from './app-user.entity';
import { AppUsersService } from './app-users.service';

/**
 * The store of app users, apart from their routes (app-auth.module.ts) so the platform's token
 * verification can read app users without depending on the routes that need it in turn.
 */
@Module({
  imports: [TypeOrmModule.forFeature([AppUserEntity])],
  providers: [AppUsersService],
  exports: [AppUsersService],
})
export class AppUsersModule {}
