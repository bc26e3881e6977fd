// Building blocks of the organization pages. Row actions (remove, cancel, enable…) are fetcher forms:
// plain POST forms without JavaScript, in-place with a pending state when JavaScript is there.
import { Link, useActionData, useFetcher, useLocation } from '@remix-run/react';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { IntentFields } from '~/components/form';
import type { MemberRole } from './permissions';
import { ROLE_LABELS } from './permissions';

interface Answer {
  form?: string;
  error?: string;
  code?: string;
  result?: unknown;
}

/** A message that may end with the upgrade path (`/o/<slug>/billing`): the path becomes a link. */
export function ErrorMessage({ message }: { message: string }) {
  const match = /(\/o\/[a-z0-9-]+\/billing)/.exec(message);
  if (!match) return <>{message}</>;
  const [before] = message.split(match[0]);
  return (
    <>
      {before?.replace(/:\s*$/, '.')}{' '}
      <Link to={match[0]} className="link">
        Upgrade the plan
      </Link>
    </>
  );
}

export function Alert({ message, id }: { message: string; id?: string }) {
  return (
    <div
      id={id}
      role="alert"
      className="rounded-md bg-red-50 px-4 py-3 text-sm text-red-900 ring-1 ring-red-200"
    >
      <ErrorMessage message={message} />
    </div>
  );
}

/** The page-level error of a row action submitted without JavaScript (document POST). */
export function ActionError() {
  const answer = useActionData<Answer>();
  if (!answer?.error || answer.result) return null;
  return <Alert message={answer.error} />;
}

/**
 * A row action's error, until the page moves on: any later navigation (another action succeeded and
 * redirected, a link) clears it, so "The Free plan allows 2 modules" does not outlive the situation.
 */
export function useFetcherError(fetcher: { state: string; data?: { error?: string } }): string | undefined {
  const location = useLocation();
  const here = useRef(location.key);
  here.current = location.key;
  const [shownAt, setShownAt] = useState<string | null>(null);
  const error = fetcher.data?.error;
  // Only a new answer of this fetcher (not a new location) marks where its error belongs.
  useEffect(() => {
    if (fetcher.state === 'idle') setShownAt(error ? here.current : null);
  }, [fetcher.state, error]);
  return error && (shownAt === null || shownAt === location.key) ? error : undefined;
}

export function RowAction({
  intent,
  fields,
  label,
  pendingLabel,
  className = 'btn-secondary',
  accessibleLabel,
  children,
}: {
  intent: string;
  fields: Record<string, string>;
  label: string;
  pendingLabel?: string;
  className?: string;
  accessibleLabel?: string;
  children?: ReactNode;
}) {
  const fetcher = useFetcher<Answer>();
  const busy = fetcher.state !== 'idle';
  const error = useFetcherError(fetcher);
  return (
    <fetcher.Form method="post" className="inline-flex max-w-full min-w-0 flex-wrap items-center gap-2">
      <IntentFields intent={intent} fields={fields} />
      {children}
      <button
        type="submit"
        className={className}
        disabled={busy}
        aria-busy={busy}
        aria-label={accessibleLabel}
      >
        {busy ? (pendingLabel ?? 'Working…') : label}
      </button>
      {error ? (
        <span role="alert" className="text-sm text-red-700">
          <ErrorMessage message={error} />
        </span>
      ) : null}
    </fetcher.Form>
  );
}

export function RoleBadge({ role }: { role: MemberRole }) {
  const tone =
    role === 'OWNER'
      ? 'bg-brand-100 text-brand-800'
      : role === 'ADMIN'
        ? 'bg-sky-100 text-sky-900'
        : role === 'BILLING'
          ? 'bg-amber-100 text-amber-900'
          : 'bg-slate-100 text-slate-800';
  return <span className={`rounded px-2 py-0.5 text-xs font-semibold ${tone}`}>{ROLE_LABELS[role]}</span>;
}

/**
 * A horizontally scrolling table: focusable so keyboard users can scroll it (axe scrollable-region-focusable).
 * `relative`: absolutely positioned children (sr-only labels) scroll with it instead of widening the page.
 */
export function ScrollRegion({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
    <section className="card relative overflow-x-auto p-0" tabIndex={0} aria-label={label}>
      {children}
    </section>
  );
}

export function PageHeading({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="flex flex-wrap items-center justify-between gap-4">
      <h1 className="text-2xl font-bold">{title}</h1>
      {children}
    </div>
  );
}

/**
 * The title of an organization page: "Members · Acme · SaaS Platform". The organization comes from the
 * o.$slug layout's loader (a match of every /o/:slug page), so tabs and history say which one it is.
 */
export function organizationTitle(
  matches: readonly { id: string; data?: unknown }[],
  ...parts: (string | undefined)[]
): { title: string }[] {
  const layout = matches.find((m) => m.id === 'routes/o.$slug')?.data as
    | { organization?: { name?: string } }
    | undefined;
  const name = layout?.organization?.name;
  return [{ title: [...parts.filter(Boolean), name, 'SaaS Platform'].filter(Boolean).join(' · ') }];
}

export function formatDate(value: string | Date): string {
  return `${new Date(value).toISOString().replace('T', ' ').slice(0, 16)} UTC`;
}
