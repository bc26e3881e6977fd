// Paynow's message hash (developers.paynow.co.zw, "Generating the hash"): SHA-512 over the values of every
// field in the order they were sent, `hash` excluded, followed by the integration key; uppercase hex.
// The key is appended lower-cased, as the official Node and Python SDKs do when they sign requests and
// verify Paynow's answers: whatever Paynow does with the key's case, that is the form it accepts.
import { createHash, timingSafeEqual } from 'node:crypto';
import { ValidationFailed } from '~/lib/errors';

export type PaynowFields = [name: string, value: string][];

export function paynowHash(fields: PaynowFields, integrationKey: string): string {
  const hash = createHash('sha512');
  for (const [name, value] of fields) if (name.toLowerCase() !== 'hash') hash.update(value, 'utf8');
  hash.update(integrationKey.toLowerCase(), 'utf8');
  return hash.digest('hex').toUpperCase();
}

/** True when the message carries a hash and it is the one the key gives (compared in constant time). */
export function hasValidPaynowHash(fields: PaynowFields, integrationKey: string): boolean {
  const given = fields.find(([name]) => name.toLowerCase() === 'hash')?.[1];
  if (!given) return false;
  const expected = Buffer.from(paynowHash(fields, integrationKey), 'utf8');
  const actual = Buffer.from(given, 'utf8');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * The fields of a form-encoded Paynow message, in order. A field sent twice is refused: which value the
 * hash covered and which one we would read could differ.
 */
export function parsePaynowMessage(body: string): PaynowFields {
  const fields = [...new URLSearchParams(body)];
  const names = new Set<string>();
  for (const [name] of fields) {
    const key = name.toLowerCase();
    if (names.has(key)) throw new ValidationFailed(`The Paynow message has the field "${name}" twice.`);
    names.add(key);
  }
  return fields;
}
