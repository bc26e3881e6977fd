// Per-file test databases. `useTestDatabase()` gives the file its own database: a clone of the
// migrated template on PostgreSQL, or a fresh migrated PGlite when PostgreSQL is not available.
import { afterAll, beforeAll, inject, it } from 'vitest';
import { type Connection, connectPglite, connectPostgres, type Database } from '../../db/client.server';
import { migrate } from '../../db/migrate';
import { seedBaseline } from '../../db/seed';
import { cloneTemplate, databaseUrl, dropDatabase } from './pg';

export type Driver = 'postgres' | 'pglite';

export interface TestDatabase {
  readonly db: Database;
  readonly driver: Driver;
  /** The connection URL (PostgreSQL only), e.g. for a second independent connection. */
  readonly url: string | undefined;
}

export const postgresAvailable = () => inject('pgTemplate') !== null;

export async function openPostgresTestDatabase(): Promise<
  Connection & { url: string; drop(): Promise<void> }
> {
  const template = inject('pgTemplate');
  if (!template) throw new Error('PostgreSQL test template is not available');
  const name = await cloneTemplate(template);
  const url = databaseUrl(name);
  const conn = connectPostgres(url, { max: 6 });
  return {
    ...conn,
    url,
    drop: async () => {
      await conn.close();
      await dropDatabase(name);
    },
  };
}

export async function openPgliteTestDatabase(): Promise<Connection> {
  const conn = await connectPglite();
  await migrate(conn.db);
  await seedBaseline(conn.db);
  return conn;
}

/**
 * Registers beforeAll/afterAll hooks that give this file a database of its own.
 * `driver` forces one; by default PostgreSQL when reachable, else PGlite.
 */
export function useTestDatabase(driver?: Driver): TestDatabase {
  let conn: (Connection & { url?: string; drop?: () => Promise<void> }) | undefined;
  const chosen = (): Driver => driver ?? (postgresAvailable() ? 'postgres' : 'pglite');
  beforeAll(async () => {
    conn = chosen() === 'postgres' ? await openPostgresTestDatabase() : await openPgliteTestDatabase();
  }, 60_000);
  afterAll(async () => {
    if (conn?.drop) await conn.drop();
    else await conn?.close();
  });
  return {
    get db() {
      if (!conn) throw new Error('test database not ready (use it inside a test or hook)');
      return conn.db;
    },
    get driver() {
      return chosen();
    },
    get url() {
      return conn?.url;
    },
  };
}

/** A test that needs several real connections (concurrency); skipped with a notice on PGlite. */
export const itConcurrent: typeof it = ((name: string, fn: () => Promise<void>, timeout?: number) => {
  if (postgresAvailable()) return it(name, fn, timeout);
  return it.skip(`${name} (needs PostgreSQL: several connections)`, fn);
}) as typeof it;

/** Makes the app's getDb() (app/db.server.ts) return this database, so route loaders/actions can be tested. */
export function bindAppDatabase(db: Database, driver: Driver): void {
  const connection: Connection = { db, driver, close: async () => {} };
  (globalThis as Record<symbol, unknown>)[Symbol.for('saas.db')] = Promise.resolve(connection);
}

/** useTestDatabase() that is also the app's database for the file (route-level tests). */
export function useAppTestDatabase(driver?: Driver): TestDatabase {
  const t = useTestDatabase(driver);
  beforeAll(() => bindAppDatabase(t.db, t.driver));
  return t;
}
