import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { CONNECTION_KINDS, ConnectionKind } from './connection.entity';

/** A connection's name: the prefix of its collections' names, `<name>__<table>`. */
const CONNECTION_NAME = /^[a-z](?!.*__)[a-z0-9_]{0,23}$/;
/** A PostgreSQL schema name that can be set as the search path without quoting. */
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const MAX_TABLES = 500;

export class CreateConnectionDto {
  @ApiProperty({ example: 'shop', description: 'Lowercase letters, digits and _ (no "__"), up to 24; its tables are served as `<name>__<table>`.' })
  @Matches(CONNECTION_NAME, { message: 'name must start with a lowercase letter and hold up to 24 lowercase letters, digits and single underscores' })
  name!: string;

  @ApiProperty({ enum: CONNECTION_KINDS })
  @IsIn(CONNECTION_KINDS)
  kind!: ConnectionKind;

  @ApiProperty({ example: 'db.internal' })
  @IsString() @MinLength(1) @MaxLength(255)
  host!: string;

  @ApiPropertyOptional({ description: 'Defaults to 5432 (postgres) or 3306 (mysql).' })
  @IsOptional() @IsInt() @Min(1) @Max(65535)
  port?: number;

  @ApiProperty({ example: 'shop' })
  @IsString() @MinLength(1) @MaxLength(128)
  database!: string;

  @ApiProperty({ example: 'cairn_reader' })
  @IsString() @MinLength(1) @MaxLength(128)
  user!: string;

  @ApiProperty({ description: 'Stored encrypted; never returned.' })
  @IsString() @MaxLength(1024)
  password!: string;

  @ApiPropertyOptional({ description: 'Require TLS, with a certificate the system trusts.' })
  @IsOptional() @IsBoolean()
  ssl?: boolean;

  @ApiPropertyOptional({ description: 'PostgreSQL only: the schema whose tables are served (default public).' })
  @IsOptional() @Matches(SCHEMA_NAME, { message: 'schema must be a plain identifier' })
  schema?: string;

  @ApiPropertyOptional({ description: 'Whether the items API may insert, update and delete rows (default false: read-only).' })
  @IsOptional() @IsBoolean()
  allow_writes?: boolean;

  @ApiPropertyOptional({ type: [String], description: 'The tables to serve (default none).' })
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_TABLES) @IsString({ each: true })
  tables?: string[];
}

export class UpdateConnectionDto {
  @ApiPropertyOptional()
  @IsOptional() @Matches(CONNECTION_NAME, { message: 'name must start with a lowercase letter and hold up to 24 lowercase letters, digits and single underscores' })
  name?: string;

  @ApiPropertyOptional()
  @IsOptional() @IsString() @MinLength(1) @MaxLength(255)
  host?: string;

  @ApiPropertyOptional()
  @IsOptional() @IsInt() @Min(1) @Max(65535)
  port?: number;

  @ApiPropertyOptional()
  @IsOptional() @IsString() @MinLength(1) @MaxLength(128)
  database?: string;

  @ApiPropertyOptional()
  @IsOptional() @IsString() @MinLength(1) @MaxLength(128)
  user?: string;

  @ApiPropertyOptional()
  @IsOptional() @IsString() @MaxLength(1024)
  password?: string;

  @ApiPropertyOptional()
  @IsOptional() @IsBoolean()
  ssl?: boolean;

  @ApiPropertyOptional()
  @IsOptional() @Matches(SCHEMA_NAME, { message: 'schema must be a plain identifier' })
  schema?: string;

  @ApiPropertyOptional()
  @IsOptional() @IsBoolean()
  allow_writes?: boolean;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_TABLES) @IsString({ each: true })
  tables?: string[];
}

/** A connection as the API answers it: never its password, nor its ciphertext. */
export class ConnectionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: CONNECTION_KINDS }) kind!: ConnectionKind;
  @ApiProperty() host!: string;
  @ApiProperty() port!: number;
  @ApiProperty() database!: string;
  @ApiProperty() user!: string;
  @ApiProperty() ssl!: boolean;
  @ApiProperty({ nullable: true, type: String }) schema!: string | null;
  @ApiProperty() allow_writes!: boolean;
  @ApiProperty({ type: [String], description: 'The tables chosen to be served.' }) tables!: string[];
  @ApiProperty({ type: [String], description: 'The collections the items API serves: `<name>__<table>`.' }) collections!: string[];
  @ApiProperty({ format: 'date-time' }) introspected_at!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class ConnectionTableDto {
  @ApiProperty() table!: string;
  @ApiProperty({ description: 'The collection it is (or would be) served as.' }) collection!: string;
  @ApiProperty() served!: boolean;
  @ApiProperty() servable!: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'Why it cannot be served.' }) reason!: string | null;
  @ApiProperty({ type: [String] }) primary_key!: string[];
  @ApiProperty({ type: 'array', items: { type: 'object' } }) columns!: Array<Record<string, unknown>>;
  @ApiProperty({ type: 'array', items: { type: 'object' } }) foreign_keys!: Array<Record<string, unknown>>;
}

/** Where and as whom to connect, to test it before registering: a registration without its name and choices. */
export class TestConnectionDto extends OmitType(CreateConnectionDto, ['name', 'allow_writes', 'tables'] as const) {}

/** A table as a test of the connection finds it: what a registration could serve. */
export class TestedTableDto extends OmitType(ConnectionTableDto, ['collection', 'served'] as const) {}

export class ConnectionTestDto {
  @ApiProperty({ description: 'Cairn signed in and read the tables.' }) ok!: boolean;
  @ApiProperty({ type: [TestedTableDto] }) tables!: TestedTableDto[];
}
