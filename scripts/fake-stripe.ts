// `npm run stripe:fake`: a local fake Stripe (tests/fakes/stripe) for running the app in Stripe mode
// without a Stripe account or network. It keeps its state in memory until stopped, hosts Checkout and the
// customer portal, and delivers signed webhook events to the app.
import { startFakeStripe } from '../tests/fakes/stripe/server';

const port = Number(process.env.FAKE_STRIPE_PORT ?? 12111);
const webhookUrl = process.env.FAKE_STRIPE_WEBHOOK_URL ?? 'http://localhost:3000/webhooks/stripe';
const secret = process.env.STRIPE_WEBHOOK_SECRET ?? 'whsec_dev_fake_stripe_secret';

if (!Number.isInteger(port) || port < 1 || port > 65_535) {
  console.error(`FAKE_STRIPE_PORT must be a port number, not ${process.env.FAKE_STRIPE_PORT}`);
  process.exit(1);
}

const fake = await startFakeStripe({
  port,
  webhook: { url: webhookUrl, secret },
  log: (line) => console.log(`[fake-stripe] ${line}`),
});

console.log(`Fake Stripe listening on ${fake.url}, delivering webhooks to ${webhookUrl}

Run the app against it with:
  STRIPE_SECRET_KEY=sk_test_fake
  STRIPE_WEBHOOK_SECRET=${secret}
  STRIPE_API_BASE=${fake.apiBase}
`);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`[fake-stripe] ${signal}: stopping`);
  await fake.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
