// The app's database: opened once per process (kept on globalThis so Vite's dev reloads reuse it;
// PGlite allows one opener per data folder). Migrating and seeding belong to the entry points
// (db/bootstrap.ts from server.ts and scripts/dev.ts): this module imports no domain code.
import { type Connection, connect, type Database } from '~db/client.server';
import { env } from './env.server';

const KEY = Symbol.for('saas.db');
type Holder = { [KEY]?: Promise<Connection> };

async function open(): Promise<Connection> {
  const config = env();
  const connection = await connect({
    databaseUrl: config.DATABASE_URL,
    pgliteDataDir: config.PGLITE_DATA_DIR,
    poolMax: config.DATABASE_POOL_MAX,
  });
  return connection;
}

export function getConnection(): Promise<Connection> {
  const holder = globalThis as Holder;
  holder[KEY] ??= open().catch((err) => {
    delete holder[KEY];
    throw err;
  });
  return holder[KEY];
}

export async function getDb(): Promise<Database> {
  return (await getConnection()).db;
}

export async function closeDb(): Promise<void> {
  const holder = globalThis as Holder;
  const pending = holder[KEY];
  delete holder[KEY];
  if (pending) await (await pending).close();
}
