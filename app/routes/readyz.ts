// Readiness: the database answers and every migration has been applied; 503 otherwise.
import { sql } from 'drizzle-orm';
import { getDb } from '~/db.server';
import { isMigrated } from '~db/migrate';

export async function loader() {
  const headers = { 'Cache-Control': 'no-store' };
  try {
    const db = await getDb();
    await db.execute(sql`SELECT 1`);
    if (!(await isMigrated(db))) {
      return Response.json({ status: 'unavailable', reason: 'migrations pending' }, { status: 503, headers });
    }
    return Response.json({ status: 'ready' }, { headers });
  } catch {
    return Response.json({ status: 'unavailable', reason: 'database unreachable' }, { status: 503, headers });
  }
}
