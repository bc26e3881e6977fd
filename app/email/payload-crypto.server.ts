// AES-256-GCM for link tokens inside queued emails (SPEC §4 email_logs): a leaked outbox row holds no
// usable sign-in, reset or invitation link.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { emailPayloadKey } from '~/env.server';

const PREFIX = 'v1';

function key(): Buffer {
  return Buffer.from(emailPayloadKey(), 'hex');
}

export function encryptSecret(plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key(), iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [
    PREFIX,
    iv.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
    body.toString('base64url'),
  ].join(':');
}

export function decryptSecret(sealed: string): string {
  const [prefix, iv, tag, body] = sealed.split(':');
  if (prefix !== PREFIX || !iv || !tag || body === undefined)
    throw new Error('not an encrypted email payload');
  const decipher = createDecipheriv('aes-256-gcm', key(), Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}
