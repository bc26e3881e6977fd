// `npm run db:seed`: idempotent. Plans always; the demo user and organization outside production.
import { ConfigError, env } from '../app/env.server';
import { connect } from '../db/client.server';
import { seedBaseline, seedDemo } from '../db/seed';

try {
  const config = env();
  const connection = await connect({
    databaseUrl: config.DATABASE_URL,
    pgliteDataDir: config.PGLITE_DATA_DIR,
  });
  try {
    await seedBaseline(connection.db);
    console.log('plans seeded');
    if (config.NODE_ENV !== 'production' || config.SEED_DEMO) {
      const demo = await seedDemo(connection.db);
      console.log(`demo user ${demo.email} (organization /o/${demo.organizationSlug})`);
    }
  } finally {
    await connection.close();
  }
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err instanceof Error ? err.message : err);
  process.exit(1);
}
