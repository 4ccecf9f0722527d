import { IndexOrder1733900000000 } from './1733900000000-index-order';

/**
 * The migrations that bring the tables of user collections made by earlier versions up to date, oldest
 * first. They build with the schema module's DDL, so they live here rather than among the system-table
 * migrations in common/database, which no module's code may reach.
 */
export const USER_TABLE_MIGRATIONS = [IndexOrder1733900000000];
