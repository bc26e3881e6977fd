// A production app instance in Stripe mode for a browser test file: its own cloned database, a fake
// Stripe delivering signed webhooks to it synchronously, and the plans synced to the fake's prices.
// Registers beforeAll/afterAll; read the fields inside tests.
import Stripe from 'stripe';
import { afterAll, beforeAll } from 'vitest';
import { syncStripePlans } from '~/billing/stripe-plans.server';
import { type Connection, connectPostgres } from '~db/client.server';
import { type FakeStripe, startFakeStripe } from '../fakes/stripe/server';
import { cloneTemplate, databaseUrl, dropDatabase, ensureTemplate } from '../support/pg';
import { type Instance, startInstance } from './instances';

export const WEBHOOK_SECRET = 'whsec_e2e_fake_stripe_webhook_secret';
export const STRIPE_KEY = 'sk_test_e2e_fake';

export interface StripeInstance {
  readonly app: Instance;
  readonly fake: FakeStripe;
  readonly db: Connection['db'];
}

export function useStripeInstance(name: string): StripeInstance {
  let dbName: string | undefined;
  let conn: Connection | undefined;
  let fake: FakeStripe | undefined;
  let app: Instance | undefined;
  beforeAll(async () => {
    dbName = await cloneTemplate(await ensureTemplate());
    const url = databaseUrl(dbName);
    conn = connectPostgres(url, { max: 2 });
    fake = await startFakeStripe();
    app = await startInstance(name, url, {
      env: {
        STRIPE_SECRET_KEY: STRIPE_KEY,
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        STRIPE_API_BASE: fake.url,
      },
    });
    fake.setWebhook({ url: `${app.url}/webhooks/stripe`, secret: WEBHOOK_SECRET }, 'sync');
    // What `npm run stripe:sync` does, on the instance's database.
    await syncStripePlans(conn.db, new Stripe(STRIPE_KEY, { ...fake.clientConfig(), maxNetworkRetries: 0 }));
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
    await fake?.close();
    await conn?.close();
    if (dbName) await dropDatabase(dbName);
  }, 30_000);
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('Stripe instance not started (use it inside a test)');
    return value;
  };
  return {
    get app() {
      return ready(app);
    },
    get fake() {
      return ready(fake);
    },
    get db() {
      return ready(conn).db;
    },
  };
}
