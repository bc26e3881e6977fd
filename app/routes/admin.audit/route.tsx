// /admin/audit (ADMIN): the audit log across organizations, with the organization page's filters (actor,
// action, dates) plus an organization, as sentences with the raw values one click away.
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { auditActions, listPlatformAuditLog, platformAuditFilterSchema } from '~/admin/audit.server';
import { AdminHeading } from '~/admin/components';
import { requireStaff } from '~/admin/staff.server';
import { AuditEntries } from '~/orgs/audit-entries';

export const meta: MetaFunction = () => [{ title: 'Audit log · Admin · SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { db } = await requireStaff(request, 'operations:read');
  const url = new URL(request.url);
  const parsed = platformAuditFilterSchema.safeParse(Object.fromEntries(url.searchParams));
  const filter = parsed.success ? parsed.data : {};
  const [page, actions] = await Promise.all([listPlatformAuditLog(db, filter), auditActions(db)]);
  const next = new URLSearchParams(url.searchParams);
  if (page.nextCursor) next.set('cursor', page.nextCursor);
  return data({
    filter,
    invalid: parsed.success ? null : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    entries: page.entries,
    nextHref: page.nextCursor ? `?${next}` : null,
    actions,
  });
}

export default function AdminAudit() {
  const { filter, invalid, entries, nextHref, actions } = useLoaderData<typeof loader>();
  return (
    <div className="space-y-6">
      <AdminHeading
        title="Audit log"
        intro="Every organization's entries and the platform's own, newest first."
      />
      <Form
        method="get"
        className="card grid gap-3 sm:grid-cols-2 lg:grid-cols-3 lg:items-end"
        aria-label="Filter the audit log"
      >
        <div>
          <label htmlFor="audit-actor" className="label">
            Actor email
          </label>
          <input
            id="audit-actor"
            name="actorEmail"
            type="email"
            defaultValue={filter.actorEmail ?? ''}
            className="input mt-1 w-full"
          />
        </div>
        <div>
          <label htmlFor="audit-org" className="label">
            Organization slug
          </label>
          <input
            id="audit-org"
            name="organization"
            defaultValue={filter.organization ?? ''}
            className="input mt-1 w-full"
          />
        </div>
        <div>
          <label htmlFor="audit-action" className="label">
            Action
          </label>
          <select
            id="audit-action"
            name="action"
            defaultValue={filter.action ?? ''}
            className="input mt-1 w-full"
          >
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
            className="input mt-1 w-full"
          />
        </div>
        <div>
          <label htmlFor="audit-to" className="label">
            To (UTC)
          </label>
          <input
            id="audit-to"
            name="to"
            type="date"
            defaultValue={filter.to ?? ''}
            className="input mt-1 w-full"
          />
        </div>
        <div className="flex gap-2">
          <button type="submit" className="btn-primary">
            Filter
          </button>
          <Link to="/admin/audit" className="btn-secondary">
            Reset
          </Link>
        </div>
      </Form>
      {invalid ? (
        <p role="alert" className="text-sm text-red-700">
          Some filters were ignored: {invalid.join('; ')}
        </p>
      ) : null}
      <AuditEntries
        entries={entries}
        where={(e) =>
          e.organizationSlug ? (
            <>
              {' · '}
              <Link to={`/admin/organizations/${e.organizationSlug}`} className="link">
                {e.organizationSlug}
              </Link>
            </>
          ) : (
            ' · platform'
          )
        }
      />
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
