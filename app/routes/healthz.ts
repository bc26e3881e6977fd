// Liveness (served by server.ts before Remix in production; this route serves it under `npm run dev`).
import { HEALTH_HEADERS, liveness } from '~/platform/health.server';

export function loader() {
  return Response.json(liveness.body, { status: liveness.status, headers: HEALTH_HEADERS });
}
