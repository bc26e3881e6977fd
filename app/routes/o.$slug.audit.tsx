// The audit log (OWNER and ADMIN): filter by actor, action and date (a GET form, so filters live in
// the URL), newest first, "Older entries" follows the keyset cursor on (created_at, id). Each entry is a
// sentence (who did what to whom); the raw values stay one click away in a <details>.
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useLoaderData, useNavigation } from '@remix-run/react';
import { loaderFailure } from '~/lib/http.server';
import { requireMember } from '~/orgs/access.server';
import { AuditEntries } from '~/orgs/audit-entries';
import { auditFilterOptions, auditFilterSchema, listAuditLog } from '~/orgs/audit-log.server';
import { organizationTitle, PageHeading } from '~/orgs/components';

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
      <AuditEntries entries={entries} />
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
