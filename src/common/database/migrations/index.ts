import { PlatformTables1732200000000 } from './1732200000000-platform-tables';
import { SchemaRegistry1732300000000 } from './1732300000000-schema-registry';
import { AppUsers1732400000000 } from './1732400000000-app-users';

/** Every system-table migration, oldest first. */
export const PLATFORM_MIGRATIONS = [PlatformTables1732200000000, SchemaRegistry1732300000000, AppUsers1732400000000];
