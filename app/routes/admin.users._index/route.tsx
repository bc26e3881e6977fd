// /admin/users: search by email or name (a GET form, so the query lives in the URL), paginated.
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useLoaderData, useLocation } from '@remix-run/react';
import { AdminHeading, Badge, Pager } from '~/admin/components';
import { requireStaff } from '~/admin/staff.server';
import { searchUsers, userSearchSchema } from '~/admin/users.server';
import { formatDate, ScrollRegion } from '~/orgs/components';

export const meta: MetaFunction = () => [{ title: 'Users · Admin · SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { db } = await requireStaff(request, 'users:read');
  const parsed = userSearchSchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  const result = await searchUsers(db, parsed.success ? parsed.data : {});
  return data({ ...result, invalid: !parsed.success });
}

export default function AdminUsers() {
  const { users, page, pages, total, q, invalid } = useLoaderData<typeof loader>();
  const location = useLocation();
  return (
    <div className="space-y-6">
      <AdminHeading
        title="Users"
        intro={`${total} account${total === 1 ? '' : 's'}${q ? ` matching “${q}”` : ''}.`}
      />
      <Form method="get" role="search" className="flex flex-wrap items-end gap-2">
        <div className="min-w-0 flex-1">
          <label htmlFor="user-search" className="label">
            Email or name
          </label>
          <input id="user-search" name="q" type="search" defaultValue={q} className="input mt-1 w-full" />
        </div>
        <button type="submit" className="btn-primary">
          Search
        </button>
      </Form>
      {invalid ? (
        <p role="alert" className="text-sm text-red-700">
          The search was not understood; showing everyone.
        </p>
      ) : null}
      {users.length === 0 ? (
        <p className="text-slate-700">No users found.</p>
      ) : (
        <ScrollRegion label="Users">
          <table className="w-full text-left text-sm">
            <thead className="border-b border-slate-200 bg-slate-50">
              <tr>
                <th className="px-4 py-2">User</th>
                <th className="px-4 py-2">Role</th>
                <th className="px-4 py-2">Status</th>
                <th className="px-4 py-2">Signed up</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-200">
              {users.map((u) => (
                <tr key={u.id}>
                  <td className="px-4 py-2">
                    <Link to={`/admin/users/${u.id}`} className="link font-medium">
                      {u.email}
                    </Link>
                    {u.name ? <span className="block text-slate-600">{u.name}</span> : null}
                  </td>
                  <td className="px-4 py-2">{u.role}</td>
                  <td className="px-4 py-2">
                    <Badge
                      tone={u.status === 'ACTIVE' ? 'good' : u.status === 'SUSPENDED' ? 'bad' : 'neutral'}
                    >
                      {u.status}
                    </Badge>
                  </td>
                  <td className="px-4 py-2 whitespace-nowrap">{formatDate(u.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
      <Pager search={location.search} page={page} hasMore={page < pages} />
    </div>
  );
}
