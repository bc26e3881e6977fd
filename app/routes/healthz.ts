// Liveness: the process is up and serving. Never touches the database.
export function loader() {
  return Response.json({ status: 'ok' }, { headers: { 'Cache-Control': 'no-store' } });
}
