// The baseline of `npm run bench`: a bare node:http + postgres.js server that answers the dashboard with
// the same three statements the app sends (session + user + membership, the organization list, the
// dashboard) and an HTML page of about the same size, and /healthz with a constant. What the app costs
// above this is Remix, React, Express and Drizzle.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import postgres from 'postgres';

const url = process.env.DATABASE_URL;
const port = Number(process.env.PORT ?? 3900);
if (!url) throw new Error('DATABASE_URL is required');
const sql = postgres(url, { max: 10, onnotice: () => {} });

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function sessionToken(cookie: string | undefined): string | null {
  for (const part of (cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === 'session' || name === '__Host-session') return value.join('=');
  }
  return null;
}

async function dashboard(slug: string, cookie: string | undefined): Promise<[number, string]> {
  const token = sessionToken(cookie);
  if (!token) return [302, ''];
  const id = createHash('sha256').update(token).digest('hex');
  const [auth] = await sql`
    SELECT s.id, s.user_id, s.expires_at, u.email, u.name, u.status, o.id AS organization_id, o.name AS organization_name,
           m.role
      FROM sessions s JOIN users u ON u.id = s.user_id
      LEFT JOIN organization_members m ON m.user_id = s.user_id
       AND m.organization_id = (SELECT id FROM organizations WHERE slug = ${slug})
      LEFT JOIN organizations o ON o.id = m.organization_id
     WHERE s.id = ${id}`;
  if (!auth || !auth.role) return [404, 'Not found'];
  const mine = await sql`
    SELECT o.id, o.name, o.slug, m.role FROM organization_members m JOIN organizations o ON o.id = m.organization_id
     WHERE m.user_id = ${auth.user_id} ORDER BY o.name, o.id`;
  const [d] = await sql`
    SELECT
      (SELECT coalesce(json_agg(m ORDER BY m.created_at, m.id), '[]') FROM (
         SELECT om.id, u.name, u.email, om.role, om.created_at FROM organization_members om JOIN users u ON u.id = om.user_id
          WHERE om.organization_id = ${auth.organization_id} ORDER BY om.created_at, om.id LIMIT 8) m) AS members,
      (SELECT count(*) FROM organization_members WHERE organization_id = ${auth.organization_id}) AS member_count,
      (SELECT count(*) FROM invitations WHERE organization_id = ${auth.organization_id}
          AND status = 'PENDING' AND expires_at > now()) AS pending,
      (SELECT coalesce(json_agg(p ORDER BY p.name), '[]') FROM (
         SELECT id, name, slug FROM projects WHERE organization_id = ${auth.organization_id} ORDER BY name LIMIT 8) p) AS projects,
      (SELECT count(*) FROM projects WHERE organization_id = ${auth.organization_id}) AS project_count,
      (SELECT json_build_object('key', pl.key, 'name', pl.name, 'limits', pl.limits)
         FROM subscriptions s JOIN plans pl ON pl.id = s.plan_id WHERE s.organization_id = ${auth.organization_id}) AS plan,
      (SELECT coalesce(array_agg(module_key ORDER BY module_key), '{}') FROM organization_modules
        WHERE organization_id = ${auth.organization_id} AND is_enabled) AS modules`;
  const members = (d?.members ?? []) as { name: string; email: string; role: string }[];
  const projects = (d?.projects ?? []) as { name: string; slug: string }[];
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Dashboard · ${esc(auth.organization_name)}</title>
<link rel="stylesheet" href="/assets/app.css"></head><body><header><nav><a href="/">SaaS Platform</a><a href="/pricing">Pricing</a>
<span>${esc(auth.name ?? auth.email)}</span></nav></header><main><h1>Dashboard</h1>
<form method="post" action="/orgs"><select name="organizationId">${mine.map((o) => `<option value="${esc(o.id)}">${esc(o.name)}</option>`).join('')}</select></form>
<section><h2>Members (${esc(d?.member_count)})</h2><ul>${members.map((m) => `<li>${esc(m.name ?? m.email)} <span>${esc(m.role)}</span></li>`).join('')}</ul>
<p>${esc(d?.pending)} pending invitations</p></section>
<section><h2>Projects (${esc(d?.project_count)})</h2><ul>${projects.map((p) => `<li><a href="/o/${esc(slug)}/projects/${esc(p.slug)}">${esc(p.name)}</a></li>`).join('')}</ul></section>
<section><h2>Plan</h2><p>${esc(d?.plan?.name)}</p><p>Modules: ${esc((d?.modules ?? []).join(', '))}</p></section>
</main></body></html>`;
  return [200, html];
}

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (path === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end('{"status":"ok"}');
    return;
  }
  const match = /^\/o\/([^/]+)$/.exec(path);
  if (!match?.[1]) {
    res.writeHead(404).end();
    return;
  }
  dashboard(decodeURIComponent(match[1]), req.headers.cookie).then(
    ([status, body]) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(body);
    },
    (err) => {
      res.writeHead(500).end(String(err));
    },
  );
});
server.keepAliveTimeout = 5_000;
server.listen(port, '127.0.0.1', () => console.log(`[raw] listening on ${port}`));
process.on('SIGTERM', () => server.close(() => sql.end({ timeout: 2 }).then(() => process.exit(0))));
