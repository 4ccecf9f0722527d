/** Where and as whom to connect, as the form of a new connection holds it (strings, as typed). */
export interface ConnectionTarget {
  kind: 'postgres' | 'mysql';
  host: string;
  port: string;
  database: string;
  user: string;
  password: string;
  ssl: boolean;
  schema: string;
}

const KINDS: Record<string, ConnectionTarget['kind']> = { postgres: 'postgres', postgresql: 'postgres', mysql: 'mysql', mariadb: 'mysql' };

/**
 * Reads a database URL (`postgres://user:password@host:5432/db?sslmode=require`, `mysql://…`) into the
 * form's fields, so a URL copied from elsewhere fills them; the server only ever takes the fields. Answers
 * a sentence saying what is wrong with a URL it cannot read.
 */
export function parseConnectionUrl(text: string): ConnectionTarget | string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return 'This is not a URL: write it as postgres://user:password@host:5432/database.';
  }
  const kind = KINDS[url.protocol.replace(/:$/, '').toLowerCase()];
  if (!kind) return `Cairn connects to PostgreSQL and MySQL only: the URL should start with postgres:// or mysql://, not ${url.protocol}//.`;
  if (!url.hostname) return 'The URL names no host.';
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) return 'The URL names no database: add it after the host, as in …:5432/shop.';
  const sslmode = url.searchParams.get('sslmode') ?? url.searchParams.get('ssl-mode');
  const ssl = url.searchParams.get('ssl') === 'true' || (sslmode !== null && !['disable', 'allow', 'prefer', 'DISABLED', 'PREFERRED'].includes(sslmode));
  return {
    kind,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port,
    database,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    ssl,
    schema: kind === 'postgres' ? (url.searchParams.get('schema') ?? '') : '',
  };
}
