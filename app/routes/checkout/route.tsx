// /checkout (issue 13 §3, fixed contract POST /checkout with an optional `code`): signed-in buyers only (a
// visitor is sent to /login and back). The page shows the order as it would be placed; "Apply" previews a
// discount code (a GET, so it works without JavaScript), the POST places the PENDING order and answers 303
// to Stripe Checkout, or in local billing mode to the demo confirmation page. A cart that changed since it
// was seen goes back to /cart, which explains what changed.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { actorOf, requireUser } from '~/auth/sessions.server';
import { isStripeMode, stripeClientOrNull } from '~/billing/stripe-client.server';
import { SubmitButton } from '~/components/form';
import { Conflict } from '~/lib/errors';
import { redirectWithFlash } from '~/lib/flash.server';
import { httpErrorOf } from '~/lib/http.server';
import { PageHeading } from '~/orgs/components';
import { readCart } from '~/store/cart.server';
import {
  buyableOrganizations,
  checkoutSchema,
  paymentUrl,
  placeOrder,
  previewCheckout,
} from '~/store/checkout.server';
import { Money, Notices, Totals } from '~/store/components';
import { discountCodeSchema } from '~/store/discounts.server';

export const meta: MetaFunction = () => [{ title: 'Checkout · Store · SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const auth = await requireUser(request);
  const url = new URL(request.url);
  const parsedCode = discountCodeSchema.safeParse(url.searchParams.get('code') ?? undefined);
  const code = parsedCode.success ? parsedCode.data : undefined;
  const preview = await previewCheckout(auth.db, auth.user.id, await readCart(request), code);
  const organizations = preview.needsOrganization ? await buyableOrganizations(auth.db, auth.user.id) : [];
  return data(
    {
      lines: preview.view.lines.map((l) => ({
        priceId: l.priceId,
        productName: l.productName,
        quantity: l.quantity,
        total: l.total,
        currency: l.currency,
      })),
      notices: preview.view.notices,
      totals: preview.totals,
      currency: preview.view.currency,
      code: preview.discount?.code ?? null,
      typedCode: url.searchParams.get('code')?.slice(0, 64) ?? '',
      codeError: parsedCode.success ? preview.codeError : 'That is not a discount code.',
      needsOrganization: preview.needsOrganization,
      organizations,
      stripe: isStripeMode(),
    },
    { headers: { 'Cache-Control': 'no-store' } },
  );
}

interface CheckoutAnswer {
  error: string;
  fieldErrors?: Record<string, string[]>;
}

export async function action({ request }: ActionFunctionArgs) {
  const auth = await requireUser(request);
  const form = await request.formData();
  const parsed = checkoutSchema.safeParse({
    code: form.get('code') ?? undefined,
    organizationId: form.get('organizationId') ?? undefined,
  });
  if (!parsed.success) {
    const fieldErrors = parsed.error.flatten().fieldErrors as Record<string, string[]>;
    return data<CheckoutAnswer>(
      { error: Object.values(fieldErrors).flat()[0] ?? 'Check the form.', fieldErrors },
      { status: 400 },
    );
  }
  try {
    const order = await placeOrder(auth.db, actorOf(auth, request), await readCart(request), parsed.data);
    return redirect(await paymentUrl(auth.db, stripeClientOrNull(), order), 303);
  } catch (err) {
    if (err instanceof Conflict && err.message.startsWith('Your cart changed'))
      return redirectWithFlash('/cart', { kind: 'error', message: err.message }, { status: 303 });
    const failure = httpErrorOf(err);
    if (!failure) throw err;
    return data<CheckoutAnswer>(
      { error: failure.message, fieldErrors: failure.fieldErrors },
      { status: failure.status, headers: failure.headers },
    );
  }
}

export default function Checkout() {
  const d = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>() as CheckoutAnswer | undefined;
  const codeError = answer?.fieldErrors?.code?.[0] ?? d.codeError;
  const orgError = answer?.fieldErrors?.organizationId?.[0];
  const formError = answer && !answer.fieldErrors?.code && !orgError ? answer.error : null;
  if (d.lines.length === 0)
    return (
      <div className="mx-auto max-w-2xl space-y-6">
        <PageHeading title="Checkout" />
        <Notices notices={d.notices} />
        <div className="card space-y-3">
          <p>Your cart is empty.</p>
          <Link to="/store" className="btn-primary inline-block">
            Browse the store
          </Link>
        </div>
      </div>
    );
  return (
    <div className="mx-auto max-w-2xl space-y-6">
      <PageHeading title="Checkout" />
      <Notices notices={d.notices} />
      <section aria-labelledby="summary-heading" className="card space-y-3">
        <h2 id="summary-heading" className="text-lg font-semibold">
          Your order
        </h2>
        <ul className="divide-y divide-slate-100">
          {d.lines.map((l) => (
            <li key={l.priceId} className="flex justify-between gap-4 py-2 text-sm">
              <span>
                {l.quantity} × {l.productName}
              </span>
              <Money cents={l.total} currency={l.currency} />
            </li>
          ))}
        </ul>
        <Totals {...d.totals} currency={d.currency} code={d.code} />
        <p className="text-xs text-slate-600">
          Tax is charged per item after its share of the discount, rounded to the nearest cent.
        </p>
      </section>
      <Form method="post" className="card space-y-4" aria-labelledby="pay-heading">
        <h2 id="pay-heading" className="text-lg font-semibold">
          Pay
        </h2>
        <div>
          <label htmlFor="checkout-code" className="label">
            Discount code (optional)
          </label>
          <div className="mt-1 flex flex-wrap gap-2">
            <input
              id="checkout-code"
              name="code"
              defaultValue={d.code ?? d.typedCode}
              autoCapitalize="characters"
              className="input w-48 uppercase"
              aria-invalid={codeError ? true : undefined}
              aria-describedby={codeError ? 'checkout-code-error' : d.code ? 'checkout-code-ok' : undefined}
            />
            <button type="submit" formMethod="get" className="btn-secondary">
              Apply
            </button>
          </div>
          {codeError ? (
            <p id="checkout-code-error" role="alert" className="field-error">
              {codeError}
            </p>
          ) : d.code ? (
            <p id="checkout-code-ok" className="mt-1 text-sm text-emerald-800">
              Code {d.code} applied.
            </p>
          ) : null}
        </div>
        {d.needsOrganization ? (
          <div>
            <label htmlFor="checkout-organization" className="label">
              Organization the plan is for
            </label>
            <select
              id="checkout-organization"
              name="organizationId"
              className="input mt-1"
              required
              aria-invalid={orgError ? true : undefined}
              aria-describedby={orgError ? 'checkout-organization-error' : 'checkout-organization-hint'}
            >
              <option value="">Choose…</option>
              {d.organizations.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
            </select>
            <p id="checkout-organization-hint" className="mt-1 text-sm text-slate-600">
              Only organizations where you are an owner or admin are listed.
            </p>
            {orgError ? (
              <p id="checkout-organization-error" role="alert" className="field-error">
                {orgError}
              </p>
            ) : null}
          </div>
        ) : null}
        {formError ? (
          <p role="alert" className="rounded-md bg-red-50 px-4 py-3 text-sm text-red-900 ring-1 ring-red-200">
            {formError}
          </p>
        ) : null}
        <SubmitButton pendingLabel={d.stripe ? 'Opening Stripe…' : 'Placing the order…'}>
          Place order and pay
        </SubmitButton>
        <p className="text-sm text-slate-600">
          {d.stripe
            ? 'You pay on Stripe’s secure page; the order is confirmed as soon as Stripe tells us.'
            : 'Demo mode: no card is charged; the next page confirms the payment.'}
        </p>
      </Form>
    </div>
  );
}
