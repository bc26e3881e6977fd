// `npm run dev`: validate config, migrate and seed (PGlite or DATABASE_URL), then serve with Vite.
// All in one process: embedded PGlite allows a single opener, which the dev server then reuses.
import { createServer } from 'vite';
import { stripeClient } from '../app/billing/stripe-client.server';
import { syncStripePlans } from '../app/billing/stripe-plans.server';
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
  if (config.STRIPE_SECRET_KEY) {
    // Stripe mode in development: map the plans to prices (idempotent). PGlite allows one process, so
    // `npm run stripe:sync` cannot run beside the dev server; this is the same function.
    try {
      const synced = await syncStripePlans(connection.db, stripeClient());
      console.log(`[stripe] plans synced: ${synced.map((r) => `${r.planKey}=${r.priceId}`).join(', ')}`);
    } catch (err) {
      console.error('[stripe] could not sync plans:', err instanceof Error ? err.message : err);
    }
  }
  const server = await createServer({ server: { port: config.PORT } });
  await server.listen();
  server.printUrls();
  console.log('[dev] demo sign-in: demo@example.com / demo-password-123');
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
}
