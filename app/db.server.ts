// The app's database: opened once per process (kept on globalThis so Vite's dev reloads reuse it;
// PGlite allows one opener per data folder).
import { type Connection, connect, type Database } from '~db/client.server';
import { migrate } from '~db/migrate';
import { seedBaseline, seedDemo } from '~db/seed';
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
  // Embedded PGlite is the zero-config path: it migrates and seeds itself. A real server migrates on
  // start only when asked (MIGRATE_ON_START), so production migrations stay an explicit step.
  if (connection.driver === 'pglite' || config.MIGRATE_ON_START) {
    await migrate(connection.db, { log: (line) => console.log(`[db] ${line}`) });
    await seedBaseline(connection.db);
    if (config.NODE_ENV === 'development' || config.SEED_DEMO) await seedDemo(connection.db);
  }
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
