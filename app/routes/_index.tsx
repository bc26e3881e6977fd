import type { MetaFunction } from '@remix-run/node';
import { Link } from '@remix-run/react';

export const meta: MetaFunction = () => [
  { title: 'SaaS Platform — billing, tenancy and auth done properly' },
  {
    name: 'description',
    content: 'Organizations, members, projects, API usage, support and billing in one place.',
  },
];

const FEATURES = [
  {
    title: 'Organizations & roles',
    body: 'Invite members as owners, admins, members or billing contacts. Every action is checked on the server.',
  },
  {
    title: 'Plans that enforce themselves',
    body: 'Members, modules and monthly API calls counted against the plan; change plan, cancel at period end or resume.',
  },
  {
    title: 'Metered API',
    body: 'Scoped API keys, usage events counted per month against your plan, rate limits that hold across servers.',
  },
  {
    title: 'Support built in',
    body: 'Members open tickets and follow the thread; the support team replies and keeps internal notes.',
  },
  {
    title: 'Audit log',
    body: 'Every change is recorded in an append-only log, in the same transaction as the change.',
  },
  { title: 'Works without JavaScript', body: 'Every form is a real form. JavaScript only makes it faster.' },
];

export default function Index() {
  return (
    <div className="space-y-16">
      <section className="py-8 text-center">
        <h1 className="text-4xl font-bold tracking-tight sm:text-5xl">
          Run your organization on one platform
        </h1>
        <p className="mx-auto mt-6 max-w-2xl text-lg text-slate-700">
          Members and roles, projects, feature modules, metered API keys, support tickets and billing —
          multi-tenant from the first table to the last.
        </p>
        <div className="mt-8 flex justify-center gap-4">
          <Link to="/signup" className="btn-primary">
            Start for free
          </Link>
          <Link to="/pricing" className="btn-secondary">
            See pricing
          </Link>
        </div>
      </section>
      <section aria-labelledby="features-heading">
        <h2 id="features-heading" className="text-2xl font-bold">
          What you get
        </h2>
        <ul className="mt-6 grid gap-6 sm:grid-cols-2 lg:grid-cols-3">
          {FEATURES.map((f) => (
            <li key={f.title} className="card">
              <h3 className="font-semibold">{f.title}</h3>
              <p className="mt-2 text-sm text-slate-700">{f.body}</p>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
