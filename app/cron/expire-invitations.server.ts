// expire-invitations (SPEC §8, seed 000): PENDING invitations past expires_at become EXPIRED, each with
// its SYSTEM audit row (SPEC §3) written by the same statement: INSERT … SELECT from UPDATE … RETURNING.
import { sql } from 'drizzle-orm';
import { rowsOf } from '~db/client.server';
import type { CronJob } from './types';

export const expireInvitations: CronJob = {
  name: 'expire-invitations',
  async run(db, { now }) {
    const at = now.toISOString();
    // `<=` as in app/orgs/invitations.server.ts: an invitation is expired from its expires_at on.
    const [row] = rowsOf<{ invitations: number }>(
      await db.execute(sql`
        WITH expired AS (
          UPDATE invitations SET status = 'EXPIRED'
          WHERE status = 'PENDING' AND expires_at <= ${at}::timestamptz
          RETURNING id, organization_id, email, role, expires_at
        ), audited AS (
          INSERT INTO audit_logs
            (user_id, actor_type, organization_id, action, entity_type, entity_id, old_values, new_values, metadata)
          SELECT NULL, 'SYSTEM', organization_id, 'invitation.expired', 'invitation', id,
            jsonb_build_object('status', 'PENDING', 'expiresAt', expires_at),
            jsonb_build_object('status', 'EXPIRED'),
            jsonb_build_object('job', 'expire-invitations', 'email', email, 'role', role)
          FROM expired
          RETURNING 1
        )
        SELECT count(*)::int AS "invitations" FROM audited`),
    );
    return { invitations: row?.invitations ?? 0 };
  },
};
