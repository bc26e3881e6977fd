// /settings/payment-methods (issue 13 §10): the signed-in user's saved cards, from Stripe (brand, last 4,
// expiry), with "Manage cards" opening Stripe's customer portal (a POST answered 303, so it works
// without JavaScript). In local mode the page says that no cards are stored.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { requireUser } from '~/auth/sessions.server';
import { SubmitButton } from '~/components/form';
import { httpErrorOf, loaderFailure } from '~/lib/http.server';
import { Alert } from '~/orgs/components';
import { listPaymentMethods, paymentMethodsPortalUrl } from '~/store/payment-methods.server';

export const meta: MetaFunction = () => [{ title: 'Payment methods — SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const auth = await requireUser(request);
  const view = await listPaymentMethods(auth.db, auth.user.id).catch(loaderFailure);
  return data({ view }, { headers: auth.headers });
}

export async function action({ request }: ActionFunctionArgs) {
  const auth = await requireUser(request);
  const form = await request.formData();
  if (form.get('intent') !== 'portal') return data({ error: 'Unknown action.' }, { status: 400 });
  try {
    return redirect(await paymentMethodsPortalUrl(auth.db, auth.user.id), 303);
  } catch (err) {
    const failure = httpErrorOf(err);
    if (!failure) throw err;
    return data({ error: failure.message }, { status: failure.status });
  }
}

const BRANDS: Record<string, string> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  discover: 'Discover',
  jcb: 'JCB',
  diners: 'Diners Club',
  unionpay: 'UnionPay',
};

export default function PaymentMethods() {
  const { view } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  return (
    <section aria-labelledby="payment-methods-heading" className="space-y-4">
      <h1 id="payment-methods-heading" className="text-2xl font-bold">
        Payment methods
      </h1>
      {answer?.error ? <Alert message={answer.error} /> : null}
      {view.mode === 'local' ? (
        <p className="card text-slate-700">
          This installation takes payments locally: no cards are stored, so there is nothing to manage here.
        </p>
      ) : (
        <>
          {view.cards.length === 0 ? (
            <p className="card text-slate-700">
              You have no saved cards. A card is saved with Stripe when you pay for an order.
            </p>
          ) : (
            <ul className="card divide-y divide-slate-100" aria-label="Saved cards">
              {view.cards.map((c) => (
                <li
                  key={c.id}
                  className="flex flex-wrap items-center justify-between gap-2 py-3"
                  data-card={c.last4}
                >
                  <span className="font-medium">
                    {BRANDS[c.brand] ?? c.brand} ending in {c.last4}
                  </span>
                  <span className={`text-sm ${c.expired ? 'text-red-700' : 'text-slate-600'}`}>
                    {c.expired ? 'Expired' : 'Expires'} {String(c.expMonth).padStart(2, '0')}/{c.expYear}
                  </span>
                </li>
              ))}
            </ul>
          )}
          {view.hasCustomer ? (
            <Form method="post">
              <input type="hidden" name="intent" value="portal" />
              <SubmitButton className="btn-secondary" pendingLabel="Opening Stripe…">
                Manage cards in Stripe
              </SubmitButton>
            </Form>
          ) : null}
          <p className="text-sm text-slate-600">Card numbers never reach this site: Stripe stores them.</p>
        </>
      )}
    </section>
  );
}
