// /pay/:token (SPEC §7 fixed contract, issue 11 §5): an invoice paid from its emailed link, without signing
// in. Unknown or expired token → 404. A paid or void invoice says so. Payment by card (Stripe Checkout,
// when Stripe is configured) or by Paynow (EcoCash, OneMoney, InnBucks with a phone; Visa/Mastercard on
// Paynow's page). Plain POST forms: everything works without JavaScript.
import { parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { isStripeMode, stripeClient } from '~/billing/stripe-client.server';
import { SubmitButton } from '~/components/form';
import { getDb } from '~/db.server';
import { env } from '~/env.server';
import { formatMoney } from '~/invoicing/format';
import { InvoiceView } from '~/invoicing/invoice-view';
import { requireInvoiceForToken, startCardPayment } from '~/invoicing/pay-link.server';
import { initiatePaynowPayment, isPaynowConfigured } from '~/invoicing/paynow.server';
import { PAYNOW_METHOD_LABELS as METHOD_LABELS, PAYNOW_METHODS } from '~/invoicing/paynow-methods';
import { badIntent, type FormAnswer, formError, formInvalid, loaderFailure } from '~/lib/http.server';
import { ErrorMessage } from '~/orgs/components';

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [
  { title: d ? `Pay invoice ${d.document.number} · SaaS Platform` : 'Pay an invoice · SaaS Platform' },
  // The link is a bearer secret: keep it out of search engines and other sites' referrers. same-origin,
  // not no-referrer: with no-referrer Chromium sends `Origin: null` on the page's own form POSTs, which
  // the CSRF check must refuse (opaque origin).
  { name: 'robots', content: 'noindex' },
  { name: 'referrer', content: 'same-origin' },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const view = await requireInvoiceForToken(await getDb(), String(params.token)).catch(loaderFailure);
  const url = new URL(request.url);
  return data(
    {
      organizationName: view.organization.name,
      document: view.document,
      payable: view.payable,
      justPaid: url.searchParams.get('paid') === '1',
      card: isStripeMode(),
      paynow: isPaynowConfigured(),
    },
    { headers: { 'Cache-Control': 'no-store', 'Referrer-Policy': 'same-origin' } },
  );
}

const paynowForm = z.object({
  method: z.enum(PAYNOW_METHODS, { errorMap: () => ({ message: 'Choose how to pay' }) }),
  phone: z.string().trim().max(32).optional(),
  email: z.string({ required_error: 'Enter your email address' }).trim().email('Enter a valid email address'),
});

export async function action({ request, params }: ActionFunctionArgs) {
  const token = String(params.token);
  const db = await getDb();
  const form = await request.formData();
  const intent = form.get('intent');
  if (intent === 'card') {
    try {
      const { url } = await startCardPayment(db, stripeClient(), token, request);
      return redirect(url, 303);
    } catch (err) {
      return formError('card', null, err);
    }
  }
  if (intent === 'paynow') {
    const submission = parseWithZod(form, { schema: paynowForm });
    if (submission.status !== 'success') return formInvalid('paynow', submission);
    try {
      const view = await requireInvoiceForToken(db, token);
      const result = await initiatePaynowPayment(
        db,
        { type: 'SYSTEM', userId: null },
        {
          invoiceId: view.invoice.id,
          ...submission.value,
          returnUrl: `${env().APP_URL}/pay/${token}`,
          resultUrl: `${env().APP_URL}/webhooks/paynow`,
        },
      );
      if (result.redirectUrl) return redirect(result.redirectUrl, 303);
      return data<FormAnswer & { instructions?: string }>({
        form: 'paynow',
        instructions: result.instructions ?? 'Approve the payment on your phone.',
      });
    } catch (err) {
      return formError('paynow', submission, err);
    }
  }
  return badIntent();
}

function Alert({ answer, form }: { answer: FormAnswer | undefined; form: string }) {
  if (!answer || answer.form !== form || !answer.error) return null;
  return (
    <p role="alert" className="text-sm text-red-700">
      <ErrorMessage message={answer.error} />
    </p>
  );
}

export default function PayInvoice() {
  const { organizationName, document, payable, justPaid, card, paynow } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>() as (FormAnswer & { instructions?: string }) | undefined;
  const due = formatMoney(document.amountDue, document.currency);
  return (
    <div className="mx-auto max-w-4xl space-y-6">
      <section aria-labelledby="pay-heading" className="card space-y-4 print:hidden">
        <h2 id="pay-heading" className="text-xl font-semibold">
          {document.status === 'PAID'
            ? `Invoice ${document.number} is paid`
            : document.status === 'VOID'
              ? `Invoice ${document.number} was voided`
              : `Pay ${due} to ${document.seller.name}`}
        </h2>
        {justPaid && document.status !== 'PAID' ? (
          <p
            role="status"
            className="rounded-md bg-sky-50 px-4 py-3 text-sm text-sky-900 ring-1 ring-sky-200"
          >
            Thank you: the payment is being confirmed. This page shows it as paid as soon as it is; reload in
            a moment.
          </p>
        ) : null}
        {document.status === 'PAID' ? (
          <p className="text-slate-800">
            Thank you — nothing is due. A receipt was sent to {organizationName}’s billing contacts.
          </p>
        ) : null}
        {document.status === 'VOID' ? (
          <p className="text-slate-800">Nothing is due on this invoice.</p>
        ) : null}
        {payable && !card && !paynow ? (
          <p className="text-slate-800">
            Online payment is not set up on this installation. Pay by bank transfer quoting {document.number},
            or contact {document.seller.email ?? 'billing'}.
          </p>
        ) : null}
        {payable && card ? (
          <Form method="post" className="space-y-2">
            <input type="hidden" name="intent" value="card" />
            <SubmitButton className="btn-primary" pendingLabel="Opening Stripe…">
              Pay {due} by card
            </SubmitButton>
            <Alert answer={answer} form="card" />
          </Form>
        ) : null}
        {payable && paynow ? (
          <Form method="post" className="space-y-3" aria-labelledby="paynow-heading">
            <h3 id="paynow-heading" className="font-semibold">
              Pay with Paynow
            </h3>
            <input type="hidden" name="intent" value="paynow" />
            <fieldset className="space-y-2">
              <legend className="text-sm font-medium">Method</legend>
              <div className="flex flex-wrap gap-3">
                {PAYNOW_METHODS.map((m, i) => (
                  <label key={m} className="flex items-center gap-2 text-sm">
                    <input type="radio" name="method" value={m} defaultChecked={i === 0} />
                    {METHOD_LABELS[m]}
                  </label>
                ))}
              </div>
            </fieldset>
            <div className="grid gap-3 sm:grid-cols-2">
              <label className="block text-sm">
                <span className="font-medium">Mobile number (EcoCash, OneMoney, InnBucks)</span>
                <input
                  name="phone"
                  type="tel"
                  inputMode="tel"
                  autoComplete="tel"
                  className="input mt-1 w-full"
                  placeholder="0771234567"
                />
              </label>
              <label className="block text-sm">
                <span className="font-medium">Email for the receipt</span>
                <input
                  name="email"
                  type="email"
                  autoComplete="email"
                  required
                  className="input mt-1 w-full"
                />
              </label>
            </div>
            <SubmitButton className="btn-secondary" pendingLabel="Contacting Paynow…">
              Pay {due} with Paynow
            </SubmitButton>
            {answer?.form === 'paynow' && answer.instructions ? (
              <p
                role="status"
                className="rounded-md bg-emerald-50 px-4 py-3 text-sm text-emerald-900 ring-1 ring-emerald-200"
              >
                {answer.instructions}
              </p>
            ) : null}
            <Alert answer={answer} form="paynow" />
          </Form>
        ) : null}
      </section>
      <InvoiceView doc={document} />
    </div>
  );
}
