// The audit log (OWNER and ADMIN): filter by actor, action and date (a GET form, so filters live in
// the URL), newest first, "Older entries" follows the keyset cursor on (created_at, id).
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useLoaderData, useNavigation } from '@remix-run/react';
import { requireMember } from '~/orgs/access.server';
import { auditFilterOptions, auditFilterSchema, listAuditLog } from '~/orgs/audit-log.server';
import { formatDate, organizationTitle, PageHeading, ScrollRegion } from '~/orgs/components';
import { loaderFailure } from '~/lib/http.server';

export const meta: MetaFunction = ({ matches }) => organizationTitle(matches, 'Audit log');

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db, actor, organization } = await requireMember(request, params.slug, 'audit:view');
  const url = new URL(request.url);
  const parsed = auditFilterSchema.safeParse(Object.fromEntries(url.searchParams));
  const filter = parsed.success ? parsed.data : {};
  const [page, options] = await Promise.all([
    listAuditLog(db, actor, organization.id, filter),
    auditFilterOptions(db, actor, organization.id),
  ]).catch(loaderFailure);
  const next = new URLSearchParams(url.searchParams);
  if (page.nextCursor) next.set('cursor', page.nextCursor);
  return data({
    organization,
    filter,
    invalid: parsed.success ? null : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    entries: page.entries,
    nextHref: page.nextCursor ? `?${next}` : null,
    ...options,
  });
}

function summarize(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

export default function AuditLog() {
  const { organization, filter, invalid, entries, nextHref, actors, actions } =
    useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const busy = navigation.state === 'loading';
  return (
    <div className="space-y-6">
      <PageHeading title="Audit log" />
      <Form
        method="get"
        className="card grid gap-4 md:grid-cols-5 md:items-end"
        aria-label="Filter the audit log"
      >
        <div>
          <label htmlFor="audit-actor" className="label">
            Actor
          </label>
          <select id="audit-actor" name="actor" defaultValue={filter.actor ?? ''} className="input mt-1">
            <option value="">Anyone</option>
            {actors.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name ? `${a.name} (${a.email})` : a.email}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="audit-action" className="label">
            Action
          </label>
          <select id="audit-action" name="action" defaultValue={filter.action ?? ''} className="input mt-1">
            <option value="">Any action</option>
            {actions.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="audit-from" className="label">
            From (UTC)
          </label>
          <input
            id="audit-from"
            name="from"
            type="date"
            defaultValue={filter.from ?? ''}
            className="input mt-1"
          />
        </div>
        <div>
          <label htmlFor="audit-to" className="label">
            To (UTC)
          </label>
          <input id="audit-to" name="to" type="date" defaultValue={filter.to ?? ''} className="input mt-1" />
        </div>
        <div className="flex gap-3">
          <button type="submit" className="btn-primary" disabled={busy} aria-busy={busy}>
            {busy ? 'Filtering…' : 'Filter'}
          </button>
          <Link to={`/o/${organization.slug}/audit`} className="btn-secondary">
            Reset
          </Link>
        </div>
      </Form>
      {invalid ? (
        <p role="alert" className="text-sm text-red-700">
          Some filters were ignored: {invalid.join('; ')}
        </p>
      ) : null}
      {entries.length === 0 ? (
        <p className="text-slate-700">No entries.</p>
      ) : (
        <ScrollRegion label="Audit log entries">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Audit log entries, newest first</caption>
            <thead className="border-b border-slate-200 bg-slate-50">
              <tr>
                <th scope="col" className="px-4 py-2">
                  When
                </th>
                <th scope="col" className="px-4 py-2">
                  Actor
                </th>
                <th scope="col" className="px-4 py-2">
                  Action
                </th>
                <th scope="col" className="px-4 py-2">
                  Entity
                </th>
                <th scope="col" className="px-4 py-2">
                  Change
                </th>
                <th scope="col" className="px-4 py-2">
                  From
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-200">
              {entries.map((e) => (
                <tr key={e.id} data-audit-action={e.action}>
                  <td className="whitespace-nowrap px-4 py-2">{formatDate(e.createdAt)}</td>
                  <td className="px-4 py-2">
                    {e.actorEmail ?? (e.actorType === 'SYSTEM' ? 'System' : 'Former user')}
                  </td>
                  <td className="px-4 py-2 font-mono text-xs">{e.action}</td>
                  <td className="px-4 py-2 text-xs">
                    {e.entityType}
                    {e.entityId ? ` ${e.entityId}` : ''}
                  </td>
                  <td className="max-w-xs px-4 py-2 font-mono text-xs break-words">
                    {e.oldValues ? <span className="block">before: {summarize(e.oldValues)}</span> : null}
                    {e.newValues ? <span className="block">after: {summarize(e.newValues)}</span> : null}
                  </td>
                  <td className="px-4 py-2 text-xs">
                    {e.ipAddress ?? '—'}
                    {e.userAgent ? (
                      <span className="block text-slate-600">{e.userAgent.slice(0, 60)}</span>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
      {nextHref ? (
        <p>
          <Link to={nextHref} className="btn-secondary">
            Older entries
          </Link>
        </p>
      ) : null}
    </div>
  );
}
