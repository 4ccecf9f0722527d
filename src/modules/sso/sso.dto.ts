import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, IsUrl, MaxLength, ValidateIf } from 'class-validator';
import type { LoginMode } from '../credentials/sign-in.dto';

const URL_OPTIONS = { require_tld: false, protocols: ['http', 'https'], require_protocol: true };

/** The sign-in methods a caller may offer, for a sign-in page to show its buttons. */
export class OidcProviderStateDto {
  @ApiProperty({ description: 'Whether single sign-on with an OpenID Connect provider is configured.' }) enabled!: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'Where a browser starts it (add `?return_to=`); null when it is off.' }) login_url!: string | null;
}

export class AuthProvidersDto {
  @ApiProperty({ description: 'Email and password sign-in, always offered.' }) password!: boolean;
  @ApiProperty({ type: OidcProviderStateDto }) oidc!: OidcProviderStateDto;
}

export class OidcExchangeDto {
  @ApiProperty({ description: 'The one-time code the callback added to the return URL as `sso_code`.' })
  @IsString() @MaxLength(512)
  code!: string;

  @ApiPropertyOptional({ enum: ['json', 'cookie'], default: 'json', description: '`cookie` sets the refresh token as an httpOnly cookie instead of returning it.' })
  @IsOptional() @IsIn(['json', 'cookie'])
  mode?: LoginMode;
}

/** A workspace's OpenID Connect provider as its owners and admins read it: the client secret never comes back. */
export class WorkspaceSsoDto {
  @ApiProperty({ example: 'https://accounts.example.com' }) issuer!: string;
  @ApiProperty() client_id!: string;
  @ApiProperty({ description: 'Whether a client secret is stored; the secret itself is write-only.' }) client_secret_set!: boolean;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ description: 'Whether a first sign-in with an unknown verified email creates the app user.' }) allow_signup!: boolean;
  @ApiProperty({ type: [String], description: 'Where the callback may send the browser back, with `sso_code` (a URL starting with one of these).' }) return_urls!: string[];
  @ApiProperty({ description: 'The callback to register at the provider.' }) redirect_url!: string;
  @ApiProperty({ description: 'Where an app starts the sign-in (add `?return_to=`).' }) login_url!: string;
  @ApiProperty({ type: String, format: 'date-time' }) updated_at!: string;
}

export class PutWorkspaceSsoDto {
  @ApiProperty({ maxLength: 2048, description: 'The issuer URL; its /.well-known/openid-configuration is discovered when saving.' })
  @IsUrl(URL_OPTIONS) @MaxLength(2048)
  issuer!: string;

  @ApiProperty({ maxLength: 512 })
  @IsString() @MaxLength(512)
  client_id!: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 2048, writeOnly: true, description: 'Omitted: the stored one is kept. null: none (a public client, PKCE alone).' })
  @IsOptional() @ValidateIf((_, value) => value !== null) @IsString() @MaxLength(2048)
  client_secret?: string | null;

  @ApiPropertyOptional({ default: true })
  @IsOptional() @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ default: false })
  @IsOptional() @IsBoolean()
  allow_signup?: boolean;

  @ApiProperty({ type: [String], minItems: 1, maxItems: 20 })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(20) @IsUrl(URL_OPTIONS, { each: true }) @MaxLength(2048, { each: true })
  return_urls!: string[];
}
