import type { QueryRunner } from 'typeorm';

/**
 * Makes a query runner send its queries one after another. TypeORM's PostgreSQL runner reads a table's
 * columns, constraints, indexes and foreign keys with four queries at once on its one client whenever a
 * DDL call names the table (`addColumn`, `createIndex`, `createForeignKey`, `getTable`, …), and pg
 * deprecates queueing a query behind one in progress (pg 9 will refuse it): so each query of this runner
 * waits for the one before. Apply it to a runner that runs DDL, before its first call.
 */
export function oneQueryAtATime(runner: QueryRunner): void {
  const query = runner.query.bind(runner);
  let previous: Promise<unknown> = Promise.resolve();
  runner.query = ((...args: Parameters<QueryRunner['query']>) => {
    const next = previous.then(() => query(...args));
    previous = next.catch(() => undefined);
    return next;
  }) as QueryRunner['query'];
}
