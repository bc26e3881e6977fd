// The banner every page shows while a platform ADMIN views the product as someone else (issue 14): who is
// viewing as whom, that it is read-only, and the one button that ends it (a plain POST form).
import { Form, useRouteLoaderData } from '@remix-run/react';

interface RootData {
  impersonation?: { staffEmail: string; targetEmail: string; targetName: string | null } | null;
}

export function ImpersonationBanner() {
  const impersonation = useRouteLoaderData<RootData>('root')?.impersonation;
  if (!impersonation) return null;
  return (
    <section
      aria-label="Impersonation"
      data-impersonation
      className="border-b-4 border-amber-500 bg-amber-100 text-amber-950"
    >
      <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-3 px-4 py-3 text-sm">
        <p>
          <strong>Viewing as {impersonation.targetName ?? impersonation.targetEmail}</strong> (
          {impersonation.targetEmail}) — read-only; nothing can be changed. You are {impersonation.staffEmail}
          .
        </p>
        <Form method="post" action="/admin/impersonation">
          <button type="submit" className="btn-primary">
            End impersonation
          </button>
        </Form>
      </div>
    </section>
  );
}
