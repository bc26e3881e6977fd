// One Drizzle instance for the app: postgres.js when DATABASE_URL is set, else embedded PGlite
// persisted in PGLITE_DATA_DIR. Same schema, same code paths (docs/decisions/0001-embedded-pglite-default.md).
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema';

export type Schema = typeof schema;
/** Any Drizzle PostgreSQL database or transaction over our schema (postgres.js or PGlite). */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;

/** Stops a LISTEN started by `Connection.listen`. */
export type Unlisten = () => Promise<void>;

export interface Connection {
  db: Database;
  driver: 'postgres' | 'pglite';
  close(): Promise<void>;
  /**
   * LISTEN on `channel` through the driver's own notification support (app/events/live.server.ts):
   * postgres.js keeps one dedicated connection for every LISTEN of the client and re-listens after a
   * reconnect (`onListen` runs again then: notifications sent in between were missed); PGlite is the
   * process's only session. Absent on connections assembled by hand (tests' bindAppDatabase).
   */
  listen?(channel: string, onPayload: (payload: string) => void, onListen?: () => void): Promise<Unlisten>;
}

export function connectPostgres(url: string, options: { max?: number } = {}): Connection {
  const client = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
  });
  const db = drizzlePostgres(client, { schema }) as unknown as Database;
  return {
    db,
    driver: 'postgres',
    close: () => client.end({ timeout: 5 }),
    listen: async (channel, onPayload, onListen) => {
      const { unlisten } = await client.listen(channel, onPayload, onListen);
      return async () => {
        await unlisten();
      };
    },
  };
}

export async function connectPglite(dataDir?: string): Promise<Connection> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const client = dataDir ? new PGlite(dataDir) : new PGlite();
  await client.waitReady;
  const db = drizzlePglite(client, { schema }) as unknown as Database;
  return {
    db,
    driver: 'pglite',
    close: () => client.close(),
    listen: async (channel, onPayload, onListen) => {
      const unlisten = await client.listen(channel, onPayload);
      onListen?.();
      return () => unlisten();
    },
  };
}

/** Opens the configured database. */
export async function connect(config: {
  databaseUrl?: string;
  pgliteDataDir?: string;
  poolMax?: number;
}): Promise<Connection> {
  if (config.databaseUrl) return connectPostgres(config.databaseUrl, { max: config.poolMax });
  return connectPglite(config.pgliteDataDir);
}

/** The SQLSTATE of a database error; Drizzle wraps driver errors, so the code is on `cause`. */
export function pgErrorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A foreign-key violation: 23503 on PostgreSQL; PGlite reports RESTRICT as 23001. */
export function isForeignKeyViolation(err: unknown): boolean {
  const code = pgErrorCode(err);
  return code === '23503' || code === '23001';
}

export function isUniqueViolation(err: unknown): boolean {
  return pgErrorCode(err) === '23505';
}

/** The rows of a raw `db.execute()`: postgres.js returns an array, PGlite an object with `rows`. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
