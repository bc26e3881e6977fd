// Liveness and readiness, answered by the Express layer before Remix (server.ts) so a load balancer's
// checks stay cheap, and by the Remix routes of the same paths under the Vite dev server.
import { sql } from 'drizzle-orm';
import { getDb } from '~/db.server';
import { isMigrated } from '~db/migrate';

export const HEALTH_HEADERS = { 'Cache-Control': 'no-store' } as const;

export interface Probe {
  status: number;
  body: { status: string; reason?: string };
}

/** The process is up and serving; never touches the database. */
export const liveness: Probe = { status: 200, body: { status: 'ok' } };

/** The database answers and every migration has been applied; 503 otherwise. */
let migrated = false;

export async function readiness(): Promise<Probe> {
  try {
    const db = await getDb();
    await db.execute(sql`SELECT 1`);
    // Migrations never un-apply: once complete, checking again is a wasted query per probe.
    migrated ||= await isMigrated(db);
    if (!migrated) return { status: 503, body: { status: 'unavailable', reason: 'migrations pending' } };
    return { status: 200, body: { status: 'ready' } };
  } catch {
    return { status: 503, body: { status: 'unavailable', reason: 'database unreachable' } };
  }
}
