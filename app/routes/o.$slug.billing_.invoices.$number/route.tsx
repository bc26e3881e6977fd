// /o/:slug/billing/invoices/:number (SPEC §7, issue 11 §4): the printable invoice, for members who may see
// billing. Another organization's number is "not found". The PDF is the one stored at finalization
// (…/pdf); "Pay now" mints a fresh payment link and goes to it.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useEffect, useState } from 'react';
import { SubmitButton } from '~/components/form';
import { InvoiceView } from '~/invoicing/invoice-view';
import { findInvoice, payLinkFor } from '~/invoicing/invoices.server';
import { badIntent, type FormAnswer, formError, loaderFailure } from '~/lib/http.server';
import { requireMember } from '~/orgs/access.server';
import { ErrorMessage, organizationTitle } from '~/orgs/components';

export const meta: MetaFunction<typeof loader> = ({ matches, data: d }) =>
  organizationTitle(matches, d ? `Invoice ${d.document.number}` : 'Invoice');

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db, actor, organization } = await requireMember(request, params.slug, 'billing:view');
  const { invoice, document } = await findInvoice(db, actor, organization.id, String(params.number)).catch(
    loaderFailure,
  );
  return data({
    organization,
    document,
    pdfUrl: invoice.pdfUrl,
    payable: !invoice.stripeInvoiceId && invoice.status !== 'PAID' && invoice.status !== 'VOID',
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { db, actor, organization } = await requireMember(request, params.slug, 'billing:view');
  const form = await request.formData();
  if (form.get('intent') !== 'pay') return badIntent();
  try {
    return redirect(await payLinkFor(db, actor, organization.id, String(params.number)), 303);
  } catch (err) {
    return formError('pay', null, err);
  }
}

/** Printing needs JavaScript; without it the browser's own Print command does the same. */
function PrintButton() {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  if (!hydrated) return null;
  return (
    <button type="button" className="btn-secondary" onClick={() => window.print()}>
      Print
    </button>
  );
}

export default function InvoicePage() {
  const { organization, document, pdfUrl, payable } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>() as FormAnswer | undefined;
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-3 print:hidden">
        <Link to={`/o/${organization.slug}/billing`} className="text-sm text-brand-800 underline">
          ← Billing
        </Link>
        <div className="flex flex-wrap items-center gap-3">
          {pdfUrl ? (
            <a href={pdfUrl} className="btn-secondary" download={`${document.number}.pdf`}>
              Download PDF
            </a>
          ) : null}
          <PrintButton />
          {payable ? (
            <Form method="post">
              <input type="hidden" name="intent" value="pay" />
              <SubmitButton className="btn-primary" pendingLabel="Opening…">
                Pay now
              </SubmitButton>
            </Form>
          ) : null}
        </div>
      </div>
      {answer?.form === 'pay' && answer.error ? (
        <p role="alert" className="text-sm text-red-700 print:hidden">
          <ErrorMessage message={answer.error} />
        </p>
      ) : null}
      <InvoiceView doc={document} />
    </div>
  );
}
