// Getting the app's database ready at start-up: embedded PGlite (the zero-config path) migrates and
// seeds itself; a real server only when asked (MIGRATE_ON_START), so production migrations stay an
// explicit step. Called by the entry points (server.ts, scripts/dev.ts), never by request code: the
// module every request imports (app/db.server.ts) must not depend on the seed's domain functions.
import type { Connection } from './client.server';
import { migrate } from './migrate';
import { seedBaseline, seedDemo } from './seed';

export async function bootstrapDatabase(
  connection: Connection,
  options: { migrate: boolean; demo: boolean },
): Promise<void> {
  if (connection.driver !== 'pglite' && !options.migrate) return;
  await migrate(connection.db, { log: (line) => console.log(`[db] ${line}`) });
  await seedBaseline(connection.db);
  if (options.demo) await seedDemo(connection.db);
}
