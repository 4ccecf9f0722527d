import type { DatabaseConfig } from '../config/app-config';

/** The database as the command line names it: its kind and address, the password left out. */
export function describeDatabase(database: Pick<DatabaseConfig, 'kind' | 'url'>): string {
  if (database.kind === 'sqlite') return `sqlite:${database.url}`;
  try {
    const url = new URL(database.url);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return `${database.kind} (its URL could not be read)`;
  }
}
