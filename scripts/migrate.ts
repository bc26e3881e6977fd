// `npm run db:migrate`: apply pending migrations; a failure names the file and exits non-zero.
import { ConfigError, env } from '../app/env.server';
import { connect } from '../db/client.server';
import { migrate } from '../db/migrate';

try {
  const config = env();
  const connection = await connect({
    databaseUrl: config.DATABASE_URL,
    pgliteDataDir: config.PGLITE_DATA_DIR,
  });
  try {
    const { applied } = await migrate(connection.db, { log: (line) => console.log(line) });
    console.log(applied.length ? `${applied.length} migration(s) applied` : 'database is up to date');
  } finally {
    await connection.close();
  }
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err instanceof Error ? err.message : err);
  process.exit(1);
}
