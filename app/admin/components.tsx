// Building blocks of the /admin pages: the page heading, numbered cards that link to their page, the
// previous/next pager of GET lists, a form's error next to it, and status badges in words.
import { Link, useActionData } from '@remix-run/react';
import type { ReactNode } from 'react';

export function AdminHeading({
  title,
  intro,
  children,
}: {
  title: string;
  intro?: ReactNode;
  children?: ReactNode;
}) {
  return (
    <div className="space-y-1">
      <p className="text-sm text-slate-600">Platform admin</p>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-bold">{title}</h1>
        {children}
      </div>
      {intro ? <p className="text-sm text-slate-700">{intro}</p> : null}
    </div>
  );
}

export function StatCard({
  label,
  value,
  to,
  tone = 'normal',
  note,
}: {
  label: string;
  value: ReactNode;
  to: string;
  tone?: 'normal' | 'bad';
  note?: string;
}) {
  return (
    <Link
      to={to}
      className={`card block space-y-1 hover:ring-2 hover:ring-brand-300 ${tone === 'bad' ? 'ring-1 ring-red-300' : ''}`}
    >
      <span className="block text-sm text-slate-700">{label}</span>
      <span className={`block text-2xl font-bold ${tone === 'bad' ? 'text-red-800' : 'text-slate-900'}`}>
        {value}
      </span>
      {note ? <span className="block text-xs text-slate-600">{note}</span> : null}
    </Link>
  );
}

/** Previous / next links that keep the list's other query parameters. */
export function Pager({ search, page, hasMore }: { search: string; page: number; hasMore: boolean }) {
  const href = (p: number) => {
    const q = new URLSearchParams(search);
    q.set('page', String(p));
    return `?${q}`;
  };
  if (page <= 1 && !hasMore) return null;
  return (
    <nav aria-label="Pages" className="flex items-center gap-4 text-sm">
      {page > 1 ? (
        <Link to={href(page - 1)} className="link">
          Previous page
        </Link>
      ) : null}
      <span className="text-slate-700">Page {page}</span>
      {hasMore ? (
        <Link to={href(page + 1)} className="link">
          Next page
        </Link>
      ) : null}
    </nav>
  );
}

interface Answer {
  form?: string;
  error?: string;
}

/** The error of the form named `form`, when the last POST was that form's. */
export function FormAlert({ form }: { form: string }) {
  const answer = useActionData<Answer>();
  if (!answer?.error || answer.form !== form) return null;
  return (
    <p role="alert" className="text-sm text-red-700">
      {answer.error}
    </p>
  );
}

const TONES: Record<string, string> = {
  good: 'bg-emerald-100 text-emerald-900',
  bad: 'bg-red-100 text-red-900',
  warn: 'bg-amber-100 text-amber-900',
  neutral: 'bg-slate-100 text-slate-800',
};

export function Badge({ tone, children }: { tone: keyof typeof TONES; children: ReactNode }) {
  return <span className={`rounded px-2 py-0.5 text-xs font-semibold ${TONES[tone]}`}>{children}</span>;
}
