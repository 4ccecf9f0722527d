import { describe, expect, it } from 'vitest';
import { parseConnectionUrl } from './connection-url';

describe('parseConnectionUrl', () => {
  it('reads a PostgreSQL URL into the fields, decoding the password', () => {
    expect(parseConnectionUrl('postgres://reader:p%40ss@db.internal:6543/shop?sslmode=require&schema=sales')).toEqual({
      kind: 'postgres',
      host: 'db.internal',
      port: '6543',
      database: 'shop',
      user: 'reader',
      password: 'p@ss',
      ssl: true,
      schema: 'sales',
    });
  });

  it('reads MySQL and MariaDB URLs, without a port or a password', () => {
    expect(parseConnectionUrl('mariadb://root@127.0.0.1/test')).toMatchObject({ kind: 'mysql', host: '127.0.0.1', port: '', user: 'root', password: '', ssl: false, schema: '' });
    expect(parseConnectionUrl('mysql://u:x@h:3307/d?ssl-mode=DISABLED')).toMatchObject({ kind: 'mysql', port: '3307', ssl: false });
  });

  it('says what is wrong with a URL it cannot read', () => {
    expect(parseConnectionUrl('not a url')).toMatch(/not a URL/);
    expect(parseConnectionUrl('sqlite:///data/app.db')).toMatch(/PostgreSQL and MySQL only/);
    expect(parseConnectionUrl('postgres://u@h:5432/')).toMatch(/no database/);
  });
});
