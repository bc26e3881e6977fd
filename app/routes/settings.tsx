// /settings/*: the signed-in user's own account. Every child loader/action checks the session itself.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { NavLink, Outlet } from '@remix-run/react';
import { requireUser } from '~/auth/sessions.server';

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request);
  return null;
}

const LINKS = [
  { to: '/settings/profile', label: 'Profile' },
  { to: '/settings/email', label: 'Email address' },
  { to: '/settings/password', label: 'Password' },
  { to: '/settings/security', label: 'Security' },
  { to: '/settings/accounts', label: 'Connected accounts' },
  { to: '/settings/sessions', label: 'Sessions' },
  { to: '/settings/payment-methods', label: 'Payment methods' },
  { to: '/settings/delete-account', label: 'Delete account' },
];

export default function SettingsLayout() {
  return (
    <div className="grid gap-8 md:grid-cols-[12rem_1fr]">
      <nav aria-label="Settings">
        <ul className="space-y-1 text-sm">
          {LINKS.map((l) => (
            <li key={l.to}>
              <NavLink
                to={l.to}
                className={({ isActive }) =>
                  `block rounded px-3 py-2 ${isActive ? 'bg-brand-50 font-semibold text-brand-800' : 'text-slate-700 hover:bg-slate-100'}`
                }
              >
                {l.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <div className="min-w-0">
        <Outlet />
      </div>
    </div>
  );
}
