// Reads links out of the e2e app's email outbox. The app runs with EMAIL_DELIVERY=cron (global-setup),
// so rows stay QUEUED with their payload; link tokens are sealed with the e2e EMAIL_PAYLOAD_KEY in
// app/email/payload-crypto.server.ts's format: v1:<iv>:<tag>:<body>, AES-256-GCM, base64url parts.
import { createDecipheriv } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, inject } from 'vitest';

const E2E_EMAIL_PAYLOAD_KEY = 'ab'.repeat(32);

export function decryptLink(sealed: string): string {
  const [version, iv, tag, body] = sealed.split(':');
  if (version !== 'v1') throw new Error(`unexpected sealed link format: ${version}`);
  const decipher = createDecipheriv(
    'aes-256-gcm',
    Buffer.from(E2E_EMAIL_PAYLOAD_KEY, 'hex'),
    Buffer.from(iv ?? '', 'base64url'),
  );
  decipher.setAuthTag(Buffer.from(tag ?? '', 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body ?? '', 'base64url')), decipher.final()]).toString(
    'utf8',
  );
}

/** An outbox reader for this test file (null when the e2e database is not PostgreSQL). */
export function openOutbox() {
  const url = inject('e2eDatabaseUrl');
  const sql = url ? postgres(url, { max: 1, onnotice: () => {} }) : null;
  afterAll(async () => {
    await sql?.end({ timeout: 1 });
  });
  if (!sql) return null;
  return {
    /** The newest link of `template` sent to `to`, waiting briefly for the row. */
    async link(to: string, template: string): Promise<string> {
      for (let i = 0; i < 40; i++) {
        const rows = await sql<{ template_data: { link?: string } | null; status: string }[]>`
          SELECT template_data, status FROM email_logs WHERE "to" = ${to} AND template = ${template}
          ORDER BY created_at DESC LIMIT 1`;
        const sealed = rows[0]?.template_data?.link;
        if (sealed) return decryptLink(sealed);
        if (rows[0] && rows[0].status !== 'QUEUED') {
          throw new Error(
            `the ${template} email was already ${rows[0].status}: run the app with EMAIL_DELIVERY=cron`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no ${template} email to ${to}`);
    },
  };
}
