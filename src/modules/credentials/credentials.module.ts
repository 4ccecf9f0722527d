import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PasswordHasher } from './password-hasher';
import { RefreshTokenEntity } from './refresh-token.entity';
import { RefreshTokensService } from './refresh-tokens.service';

/**
 * How callers' secrets are kept: passwords hashed, refresh tokens rotated. Platform accounts (auth/) and
 * app users (app-users/) both sign in with them, so they sit below both, and below the token verifier
 * in auth/ that reads app users.
 */
@Module({
  imports: [TypeOrmModule.forFeature([RefreshTokenEntity])],
  providers: [PasswordHasher, RefreshTokensService],
  exports: [PasswordHasher, RefreshTokensService],
})
export class CredentialsModule {}
