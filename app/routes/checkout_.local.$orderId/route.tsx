// /checkout/local/:orderId: local billing mode only (no STRIPE_SECRET_KEY), for demos. The buyer confirms
// their own PENDING order and it is marked paid exactly as a Stripe payment would be. 404 in Stripe mode,
// for someone else's order, or an unknown id.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { actorOf, requireUser } from '~/auth/sessions.server';
import { isStripeMode } from '~/billing/stripe-client.server';
import { SubmitButton } from '~/components/form';
import { deliverSoon } from '~/email/outbox.server';
import { NotFound } from '~/lib/errors';
import { done, httpErrorOf, loaderFailure } from '~/lib/http.server';
import { PageHeading } from '~/orgs/components';
import { Totals } from '~/store/components';
import { confirmLocalPayment, localOrder } from '~/store/order-payments.server';

export const meta: MetaFunction = () => [{ title: 'Confirm payment · Store · SaaS Platform' }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const auth = await requireUser(request);
  if (isStripeMode()) throw loaderFailure(new NotFound('There is no such order.'));
  const order = await localOrder(auth.db, auth.user.id, String(params.orderId)).catch(loaderFailure);
  return data({
    order: {
      orderNumber: order.orderNumber,
      status: order.status,
      subtotal: order.subtotal,
      discountAmount: order.discountAmount,
      taxAmount: order.taxAmount,
      totalAmount: order.totalAmount,
      currency: order.currency,
      code: (order.metadata as { discountCode?: string } | null)?.discountCode ?? null,
    },
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const auth = await requireUser(request);
  try {
    const { order, outcome } = await confirmLocalPayment(
      auth.db,
      actorOf(auth, request),
      String(params.orderId),
      isStripeMode(),
    );
    deliverSoon(auth.db, outcome.emailIds);
    return done(
      `/account/orders/${order.orderNumber}`,
      `Payment confirmed: order ${order.orderNumber} is paid.`,
      {
        status: 303,
      },
    );
  } catch (err) {
    if (err instanceof NotFound) throw loaderFailure(err);
    const failure = httpErrorOf(err);
    if (!failure) throw err;
    return data({ error: failure.message }, { status: failure.status });
  }
}

export default function ConfirmLocalPayment() {
  const { order } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  return (
    <div className="mx-auto max-w-xl space-y-6">
      <PageHeading title={`Pay order ${order.orderNumber}`} />
      <section className="card space-y-4" aria-label="Order total">
        <Totals {...order} />
        {order.status === 'PENDING' ? (
          <Form method="post" className="space-y-2">
            <p className="text-sm text-slate-700">
              This installation runs without Stripe (local billing mode): confirming marks the order paid, as
              a card payment would.
            </p>
            <SubmitButton pendingLabel="Confirming…">Confirm payment</SubmitButton>
          </Form>
        ) : (
          <p>This order is not waiting for payment.</p>
        )}
        {answer?.error ? (
          <p role="alert" className="text-sm text-red-700">
            {answer.error}
          </p>
        ) : null}
      </section>
    </div>
  );
}
