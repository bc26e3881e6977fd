// Stripe's published example objects (fixtures3.json from stripe/openapi, MIT, see fixtures3.LICENSE) are
// the template of every object the fake answers with, so shapes follow the real API instead of our memory
// of it. Builders deep-clone a resource and override ids and the fields a scenario needs.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

// biome-ignore lint/suspicious/noExplicitAny: Stripe objects are open JSON bags; the fixtures give their shape.
export type StripeObject = Record<string, any>;

const FIXTURES_URL = new URL('./fixtures3.json', import.meta.url);

let resources: Record<string, StripeObject> | null = null;

/** A deep copy of one fixture resource ('customer', 'checkout.session', …). */
export function fixture(name: string): StripeObject {
  resources ??= JSON.parse(readFileSync(FIXTURES_URL, 'utf8')).resources as Record<string, StripeObject>;
  const resource = resources[name];
  if (!resource) throw new Error(`fixtures3.json has no resource '${name}'`);
  return structuredClone(resource);
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export function randomString(length: number, alphabet = ALPHANUMERIC): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}

// Lengths as Stripe's own ids have them, so code that stores ids in sized columns meets realistic values.
const ID_LENGTHS: Record<string, number> = {
  cus_: 14,
  prod_: 14,
  si_: 14,
  cs_test_: 58,
  bpc_: 24,
  req_: 14,
};

/** `cus_…`, `sub_sched_…`, `evt_…`: the prefix and random alphanumerics. */
export function newId(prefix: string): string {
  return `${prefix}${randomString(ID_LENGTHS[prefix] ?? 24)}`;
}

/** An invoice prefix like Stripe's (`ABCD1234`), from which invoice numbers `ABCD1234-0001` are made. */
export const newInvoicePrefix = () => randomString(8, UPPER_ALPHANUMERIC);
