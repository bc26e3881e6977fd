// The platform admin area's layout (issue 14): every /admin page is its child. The loader answers 404 to
// anyone who is not platform staff (SPEC §7), so the area's existence is not advertised; each page checks
// its own action of the staff matrix again (app/admin/permissions.ts) and explains a 403. The navigation is
// a sidebar from md up and a <details> disclosure on a phone (no JavaScript needed); links a SUPPORT member
// may not open are still listed, marked "admin only", so the 403 is never a surprise.
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import {
  isRouteErrorResponse,
  NavLink,
  Outlet,
  useLoaderData,
  useLocation,
  useRouteError,
  useRouteLoaderData,
} from '@remix-run/react';
import type { ReactNode } from 'react';
import { type StaffAction, staffCan } from '~/admin/permissions';
import { requireStaff } from '~/admin/staff.server';

export const meta: MetaFunction = () => [{ title: 'Admin · SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { auth, role } = await requireStaff(request);
  return data({ role, staff: { name: auth.user.name, email: auth.user.email } });
}

const SECTIONS: { label: string; links: { to: string; label: string; action: StaffAction }[] }[] = [
  {
    label: 'Customers',
    links: [
      { to: '/admin', label: 'Overview', action: 'users:read' },
      { to: '/admin/users', label: 'Users', action: 'users:read' },
      { to: '/admin/organizations', label: 'Organizations', action: 'organizations:read' },
      { to: '/admin/support', label: 'Support', action: 'tickets:work' },
    ],
  },
  {
    label: 'Business',
    links: [
      { to: '/admin/plans', label: 'Plans', action: 'plans:manage' },
      { to: '/admin/analytics', label: 'Analytics', action: 'analytics:read' },
      { to: '/admin/products', label: 'Products', action: 'money:move' },
      { to: '/admin/categories', label: 'Categories', action: 'money:move' },
      { to: '/admin/discounts', label: 'Discounts', action: 'money:move' },
      { to: '/admin/refunds', label: 'Refunds', action: 'money:move' },
      { to: '/admin/apps', label: 'Apps', action: 'apps:manage' },
    ],
  },
  {
    label: 'Operations',
    links: [
      { to: '/admin/settings', label: 'Settings', action: 'settings:manage' },
      { to: '/admin/emails', label: 'Email log', action: 'email-log:read' },
      { to: '/admin/cron', label: 'Cron runs', action: 'operations:read' },
      { to: '/admin/webhooks', label: 'Webhooks', action: 'operations:read' },
      { to: '/admin/audit', label: 'Audit log', action: 'operations:read' },
    ],
  },
];

function AdminNav({ role }: { role: 'ADMIN' | 'SUPPORT' }) {
  return (
    <div className="space-y-4">
      {SECTIONS.map((section) => (
        <div key={section.label}>
          <p className="px-3 text-xs font-semibold tracking-wide text-slate-600 uppercase">{section.label}</p>
          <ul className="mt-1 space-y-0.5">
            {section.links.map((link) => {
              const allowed = staffCan(role, link.action);
              return (
                <li key={link.to}>
                  <NavLink
                    to={link.to}
                    end={link.to === '/admin'}
                    prefetch="none"
                    className={({ isActive }) =>
                      `flex items-center justify-between gap-2 rounded px-3 py-1.5 text-sm ${
                        isActive
                          ? 'bg-brand-50 font-semibold text-brand-800'
                          : allowed
                            ? 'text-slate-800 hover:bg-slate-100'
                            : 'text-slate-600 hover:bg-slate-100'
                      }`
                    }
                  >
                    {link.label}
                    {allowed ? null : <span className="text-xs">admin only</span>}
                  </NavLink>
                </li>
              );
            })}
          </ul>
        </div>
      ))}
    </div>
  );
}

export default function AdminLayout() {
  const { role, staff } = useLoaderData<typeof loader>();
  return (
    <AdminFrame role={role} staff={staff}>
      <Outlet />
    </AdminFrame>
  );
}

/**
 * A page of the area refused (SUPPORT on an ADMIN page: 403 with the matrix's reason) or not found: the
 * message inside the admin frame, so the navigation stays. Non-staff never get here (the layout's 404).
 */
export function ErrorBoundary() {
  const error = useRouteError();
  const layout = useRouteLoaderData<typeof loader>('routes/admin');
  if (!layout || !isRouteErrorResponse(error) || error.status >= 500) throw error;
  const title = error.status === 403 ? 'Not allowed' : error.status === 404 ? 'Not found' : 'Request error';
  const message = typeof error.data === 'string' && error.data ? error.data : 'This page cannot be shown.';
  return (
    <AdminFrame role={layout.role} staff={layout.staff}>
      <div className="card space-y-2" role="alert">
        <p className="text-sm font-semibold text-brand-700">{error.status}</p>
        <h1 className="text-2xl font-bold">{title}</h1>
        <p className="text-slate-700">{message}</p>
      </div>
    </AdminFrame>
  );
}

function AdminFrame({
  role,
  staff,
  children,
}: {
  role: 'ADMIN' | 'SUPPORT';
  staff: { name: string | null; email: string };
  children: ReactNode;
}) {
  const location = useLocation();
  return (
    <div className="space-y-4 md:grid md:grid-cols-[12rem_1fr] md:gap-8 md:space-y-0">
      <nav aria-label="Admin" className="min-w-0">
        <p className="mb-3 px-3 text-sm text-slate-700">
          <span className="font-semibold text-slate-900">
            Platform {role === 'ADMIN' ? 'admin' : 'support'}
          </span>
          <span className="block truncate" title={staff.email}>
            {staff.name ?? staff.email}
          </span>
        </p>
        <div className="hidden md:block">
          <AdminNav role={role} />
        </div>
        {/* Keyed by the location: a navigation closes it on a phone. */}
        <details key={location.key} className="card p-0 md:hidden" data-admin-menu>
          <summary className="cursor-pointer px-4 py-3 text-sm font-semibold">Admin menu</summary>
          <div className="border-t border-slate-200 px-1 py-3">
            <AdminNav role={role} />
          </div>
        </details>
      </nav>
      <div className="min-w-0">{children}</div>
    </div>
  );
}
