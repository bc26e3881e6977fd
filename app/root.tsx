import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import {
  Form,
  isRouteErrorResponse,
  Link,
  Links,
  Meta,
  NavLink,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLoaderData,
  useLocation,
  useNavigation,
  useRouteError,
  useRouteLoaderData,
} from '@remix-run/react';
import type { ReactNode } from 'react';
import { impersonationOf } from './admin/impersonation.server';
import { ImpersonationBanner } from './admin/impersonation-banner';
import { MaintenanceBanner } from './admin/maintenance-banner';
import { readSettingsCached } from './admin/settings.server';
import { getAuth } from './auth/sessions.server';
import { getDb } from './db.server';
import { readFlash } from './lib/flash.server';
import { useNonce } from './lib/nonce';
import stylesheet from './tailwind.css?url';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: stylesheet },
  { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
];

export const meta: MetaFunction = () => [{ title: 'SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const db = await getDb();
  const [{ flash, setCookie }, auth] = await Promise.all([readFlash(request), getAuth(request, db)]);
  const headers = new Headers(auth?.headers);
  if (setCookie) headers.append('Set-Cookie', setCookie);
  const user = auth
    ? { id: auth.user.id, name: auth.user.name, email: auth.user.email, role: auth.user.role }
    : null;
  const viewingAs = impersonationOf(auth);
  const impersonation = viewingAs
    ? {
        staffEmail: viewingAs.staff.email,
        targetEmail: viewingAs.target.email,
        targetName: viewingAs.target.name,
      }
    : null;
  // Maintenance banner for signed-in users: settings cached in-process for a few seconds
  // (SETTINGS_CACHE_MS), so a page costs no extra query; a staff change here shows at once.
  const settings = auth ? await readSettingsCached(db) : null;
  const maintenance = settings?.['maintenance.enabled'] ? { supportEmail: settings['support.email'] } : null;
  return data({ flash, user, impersonation, maintenance }, { headers });
}

type HeaderUser = { name: string | null; email: string } | null | undefined;

/** The header's links: a row from md up, the body of the "Menu" disclosure below it. */
function HeaderLinks({ user, stacked }: { user: HeaderUser; stacked: boolean }) {
  const item = stacked ? 'block rounded px-3 py-2 hover:bg-slate-100' : '';
  return (
    <ul className={stacked ? 'space-y-1 text-base' : 'flex items-center gap-4 text-sm'}>
      <li>
        <NavLink
          to="/store"
          className={({ isActive }) =>
            `${item} ${isActive ? 'font-semibold text-brand-700' : 'text-slate-700'}`.trim()
          }
        >
          Store
        </NavLink>
      </li>
      <li>
        <NavLink
          to="/pricing"
          className={({ isActive }) =>
            `${item} ${isActive ? 'font-semibold text-brand-700' : 'text-slate-700'}`.trim()
          }
        >
          Pricing
        </NavLink>
      </li>
      {user ? (
        <>
          <li>
            <Link to="/orgs" className={`${item} text-slate-700`.trim()}>
              Organizations
            </Link>
          </li>
          <li>
            <Link to="/account/orders" className={`${item} text-slate-700`.trim()}>
              Orders
            </Link>
          </li>
          <li className="min-w-0">
            <Link
              to="/settings/profile"
              className={`${item} block truncate text-slate-700 ${stacked ? '' : 'max-w-48'}`.trim()}
              title={user.email}
            >
              {user.name ?? user.email}
            </Link>
          </li>
          <li className={stacked ? 'border-t border-slate-200 pt-2' : ''}>
            <Form method="post" action="/logout">
              <button type="submit" className={stacked ? 'btn-secondary w-full' : 'btn-secondary'}>
                Sign out
              </button>
            </Form>
          </li>
        </>
      ) : (
        <>
          <li>
            <Link to="/login" className={`${item} text-slate-700`.trim()}>
              Sign in
            </Link>
          </li>
          <li>
            <Link to="/signup" className={stacked ? 'btn-primary w-full' : 'btn-primary'}>
              Get started
            </Link>
          </li>
        </>
      )}
    </ul>
  );
}

function SiteHeader() {
  const root = useRouteLoaderData<typeof loader>('root');
  const user = root?.user;
  // Keyed by the location: a navigation closes the phone menu (a <details>, so it works without JavaScript).
  const location = useLocation();
  return (
    <header className="relative border-b border-slate-200 bg-white">
      <nav aria-label="Main" className="mx-auto flex max-w-6xl items-center justify-between gap-4 px-4 py-3">
        {/* Signed in: back into the organization last opened (/orgs resolves it from the session). */}
        <Link
          to={user ? '/orgs?open=active' : '/'}
          className="flex shrink-0 items-center gap-2 text-lg font-bold text-slate-900"
        >
          <span aria-hidden="true" className="inline-block h-6 w-6 rounded bg-brand-700" />
          SaaS Platform
        </Link>
        <div className="hidden min-w-0 md:block">
          <HeaderLinks user={user} stacked={false} />
        </div>
        <details key={location.key} className="group md:hidden" data-menu>
          <summary className="btn-secondary cursor-pointer list-none [&::-webkit-details-marker]:hidden">
            <span aria-hidden="true" className="text-base leading-none">
              ☰
            </span>
            Menu
          </summary>
          <div className="absolute inset-x-0 top-full z-20 border-b border-slate-200 bg-white px-4 py-3 shadow-lg">
            {user ? (
              <p className="truncate px-3 pb-2 text-sm text-slate-600">Signed in as {user.email}</p>
            ) : null}
            <HeaderLinks user={user} stacked />
          </div>
        </details>
      </nav>
    </header>
  );
}

function PendingBar() {
  const navigation = useNavigation();
  if (navigation.state === 'idle') return null;
  return (
    <div
      role="progressbar"
      aria-label="Loading"
      className="fixed inset-x-0 top-0 h-1 animate-pulse bg-brand-600"
    />
  );
}

function FlashBanner() {
  const root = useRouteLoaderData<typeof loader>('root');
  const flash = root?.flash;
  if (!flash) return null;
  const tone =
    flash.kind === 'error'
      ? 'bg-red-50 text-red-900 ring-red-200'
      : flash.kind === 'success'
        ? 'bg-green-50 text-green-900 ring-green-200'
        : 'bg-sky-50 text-sky-900 ring-sky-200';
  return (
    <div
      role={flash.kind === 'error' ? 'alert' : 'status'}
      className={`mx-auto mt-4 max-w-6xl rounded-md px-4 py-3 ring-1 ${tone}`}
    >
      {flash.message}
    </div>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const nonce = useNonce();
  return (
    <html lang="en" className="h-full bg-slate-50">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body className="flex min-h-full flex-col text-slate-900">
        <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:p-2">
          Skip to content
        </a>
        <PendingBar />
        <SiteHeader />
        <ImpersonationBanner />
        <MaintenanceBanner />
        {children}
        <footer className="mt-auto border-t border-slate-200 bg-white">
          <div className="mx-auto max-w-6xl px-4 py-6 text-sm text-slate-600">© SaaS Platform</div>
        </footer>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  useLoaderData<typeof loader>();
  return (
    <>
      <FlashBanner />
      <main id="main" className="mx-auto w-full max-w-6xl flex-1 px-4 py-8">
        <Outlet />
      </main>
    </>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  let title = 'Something went wrong';
  let message = 'An unexpected error occurred. Please try again; if it keeps happening, contact support.';
  let status = 500;
  let action = { to: '/', label: 'Back to the home page' };
  if (isRouteErrorResponse(error)) {
    status = error.status;
    const suspended = error.data as { suspended?: boolean; message?: string; billingPath?: string } | null;
    if (error.status === 402 && suspended?.suspended && suspended.billingPath) {
      // An organization suspended for non-payment: only its billing pages open (issue 11 §8).
      title = 'This organization is suspended';
      message = suspended.message ?? 'Invoices are unpaid past the grace period.';
      action = { to: suspended.billingPath, label: 'Go to billing' };
    } else if (error.status === 404) {
      title = 'Page not found';
      message = "We couldn't find the page you were looking for.";
    } else if (error.status === 403) {
      title = 'Not allowed';
      message =
        typeof error.data === 'string' && error.data ? error.data : 'Your role does not allow this page.';
    } else if (error.status < 500) {
      title = error.statusText || 'Request error';
      message = typeof error.data === 'string' && error.data ? error.data : message;
    }
  }
  // Stack traces are shown only in development, never in production.
  const stack = import.meta.env.DEV && error instanceof Error ? error.stack : undefined;
  return (
    <main id="main" className="mx-auto w-full max-w-2xl flex-1 px-4 py-16 text-center">
      <p className="text-sm font-semibold text-brand-700">{status}</p>
      <h1 className="mt-2 text-3xl font-bold tracking-tight">{title}</h1>
      <p className="mt-4 text-slate-700">{message}</p>
      <p className="mt-8">
        <Link to={action.to} className="btn-primary">
          {action.label}
        </Link>
      </p>
      {stack ? <pre className="mt-8 overflow-auto text-left text-xs">{stack}</pre> : null}
    </main>
  );
}
