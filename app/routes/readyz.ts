// Readiness (served by server.ts before Remix in production; this route serves it under `npm run dev`).
import { HEALTH_HEADERS, readiness } from '~/platform/health.server';

export async function loader() {
  const probe = await readiness();
  return Response.json(probe.body, { status: probe.status, headers: HEALTH_HEADERS });
}
