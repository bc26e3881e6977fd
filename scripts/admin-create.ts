// `npm run admin:create -- --email staff@example.com --role ADMIN|SUPPORT [--name "Ada"]`: promote an
// existing user to platform staff, or create one and email a one-time set-password link.
import { parseArgs } from 'node:util';
import { grantStaffRole } from '../app/admin/staff-accounts.server';
import { deliverDueEmails } from '../app/email/outbox.server';
import { env } from '../app/env.server';
import { bootstrapDatabase } from '../db/bootstrap';
import { connect } from '../db/client.server';

try {
  const { values } = parseArgs({
    options: {
      email: { type: 'string' },
      role: { type: 'string', default: 'ADMIN' },
      name: { type: 'string' },
    },
  });
  const config = env();
  const connection = await connect({
    databaseUrl: config.DATABASE_URL,
    pgliteDataDir: config.PGLITE_DATA_DIR,
  });
  // Embedded PGlite migrates itself, as `npm run dev` does; PostgreSQL is migrated by `npm run db:migrate`.
  if (connection.driver === 'pglite') await bootstrapDatabase(connection, { migrate: true, demo: false });
  const db = connection.db;
  const result = await grantStaffRole(db, {
    email: values.email ?? '',
    role: (values.role ?? '').toUpperCase() as 'ADMIN',
    name: values.name,
  });
  if (result.emailIds.length) await deliverDueEmails(db, { ids: result.emailIds });
  console.log(
    result.created
      ? `Created ${values.email} as ${values.role?.toUpperCase()}; a set-password link was emailed.`
      : `${values.email} is now ${values.role?.toUpperCase()} (was ${result.previousRole}).`,
  );
  await connection.close();
  process.exit(0);
} catch (err) {
  const issues = (err as { issues?: { message: string }[] }).issues;
  console.error(issues ? issues.map((i) => i.message).join('\n') : err instanceof Error ? err.message : err);
  process.exit(1);
}
