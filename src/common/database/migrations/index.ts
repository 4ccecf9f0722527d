import { PlatformTables1732200000000 } from './1732200000000-platform-tables';
import { SchemaRegistry1732300000000 } from './1732300000000-schema-registry';

/** Every system-table migration, oldest first. */
export const PLATFORM_MIGRATIONS = [PlatformTables1732200000000, SchemaRegistry1732300000000];
