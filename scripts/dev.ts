// `npm run dev`: validate config, migrate and seed (PGlite or DATABASE_URL), then serve with Vite.
// All in one process: embedded PGlite allows a single opener, which the dev server then reuses.
import { createServer } from 'vite';
import { getConnection } from '../app/db.server';
import { ConfigError, env } from '../app/env.server';
import { migrate } from '../db/migrate';
import { seedBaseline, seedDemo } from '../db/seed';

try {
  const config = env();
  const { db, driver } = await getConnection();
  if (driver === 'postgres') {
    await migrate(db, { log: (line) => console.log(`[db] ${line}`) });
    await seedBaseline(db);
    await seedDemo(db);
  }
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
