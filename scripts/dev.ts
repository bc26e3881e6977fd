// `npm run dev`: validate config, migrate and seed (PGlite or DATABASE_URL), then serve with Vite.
// All in one process: embedded PGlite allows a single opener, which the dev server then reuses.
import { createServer } from 'vite';
import { getConnection } from '../app/db.server';
import { ConfigError, env } from '../app/env.server';
import { bootstrapDatabase } from '../db/bootstrap';

try {
  const config = env();
  const connection = await getConnection();
  const { driver } = connection;
  // Development always migrates and seeds the demo account, on PGlite and on DATABASE_URL alike.
  await bootstrapDatabase(connection, { migrate: true, demo: true });
  console.log(
    `[db] ${driver === 'pglite' ? `embedded PGlite in ${config.PGLITE_DATA_DIR}` : 'PostgreSQL'} ready`,
  );
  const server = await createServer({ server: { port: config.PORT } });
  await server.listen();
  server.printUrls();
  console.log('[dev] demo sign-in: demo@example.com / demo-password-123');
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
}
