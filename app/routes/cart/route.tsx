// /cart (issue 13 §2, fixed contract): POST with intent=add|update|remove, priceId, quantity; the cart lives
// in a signed cookie, so it works signed out and without JavaScript (every form is a plain POST answered
// by a redirect). A line whose price or stock changed since it was added is explained here, and seeing
// the page acknowledges it (the cookie is rewritten with the current prices).
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { SubmitButton } from '~/components/form';
import { getDb } from '~/db.server';
import { ValidationFailed } from '~/lib/errors';
import { redirectWithFlash } from '~/lib/flash.server';
import { httpErrorOf } from '~/lib/http.server';
import { PageHeading } from '~/orgs/components';
import { cartFormSchema, cartSetCookie, changeCart, readCart, viewCart } from '~/store/cart.server';
import { Money, Notices } from '~/store/components';
import { formatMoney, intervalOf, MAX_QUANTITY } from '~/store/format';

export const meta: MetaFunction = () => [{ title: 'Your cart · Store · SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const cart = await readCart(request);
  const view = await viewCart(await getDb(), cart);
  const headers = new Headers({ 'Cache-Control': 'no-store' });
  if (view.changed) headers.append('Set-Cookie', await cartSetCookie(view.reviewed));
  return data(
    {
      lines: view.lines.map((l) => ({ ...l, interval: intervalOf(l.recurring), recurring: undefined })),
      subtotal: view.subtotal,
      currency: view.currency,
      notices: view.notices,
    },
    { headers },
  );
}

interface CartAnswer {
  ok?: boolean;
  message?: string;
  error?: string;
  priceId?: string;
  fieldErrors?: Record<string, string[]>;
}

export async function action({ request }: ActionFunctionArgs) {
  const form = await request.formData();
  const raw = Object.fromEntries([...form.entries()].map(([k, v]) => [k, typeof v === 'string' ? v : '']));
  const inPlace = raw.inPlace === '1';
  const parsed = cartFormSchema.safeParse(raw);
  if (!parsed.success) {
    const fieldErrors = parsed.error.flatten().fieldErrors as Record<string, string[]>;
    const error = Object.values(fieldErrors).flat()[0] ?? 'Check the form.';
    return data<CartAnswer>({ error, fieldErrors, priceId: raw.priceId }, { status: 400 });
  }
  try {
    const { cart, message } = await changeCart(await getDb(), await readCart(request), parsed.data);
    const setCookie = await cartSetCookie(cart);
    if (inPlace) return data<CartAnswer>({ ok: true, message }, { headers: { 'Set-Cookie': setCookie } });
    return redirectWithFlash(
      '/cart',
      { kind: 'success', message },
      { status: 303, headers: { 'Set-Cookie': setCookie } },
    );
  } catch (err) {
    const failure = httpErrorOf(err);
    if (!failure) throw err;
    const fieldErrors = err instanceof ValidationFailed ? err.fieldErrors : undefined;
    return data<CartAnswer>(
      { error: failure.message, fieldErrors, priceId: parsed.data.priceId },
      { status: failure.status },
    );
  }
}

export default function CartPage() {
  const { lines, subtotal, currency, notices } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>() as CartAnswer | undefined;
  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <PageHeading title="Your cart" />
      <Notices notices={notices} />
      {answer?.error && !lines.some((l) => l.priceId === answer.priceId) ? (
        <p role="alert" className="rounded-md bg-red-50 px-4 py-3 text-sm text-red-900 ring-1 ring-red-200">
          {answer.error}
        </p>
      ) : null}
      {lines.length === 0 ? (
        <div className="card space-y-3">
          <p className="text-slate-800">Your cart is empty.</p>
          <Link to="/store" className="btn-primary inline-block">
            Browse the store
          </Link>
        </div>
      ) : (
        <>
          <ul className="space-y-3" aria-label="Items in your cart">
            {lines.map((l) => {
              const error = answer?.priceId === l.priceId ? answer.error : undefined;
              return (
                <li key={l.priceId} className="card space-y-3" data-line={l.slug}>
                  <div className="flex flex-wrap items-baseline justify-between gap-2">
                    <h2 className="text-lg font-semibold">
                      <Link to={`/store/${l.slug}`} className="link">
                        {l.productName}
                      </Link>
                    </h2>
                    <p className="font-semibold">
                      <Money cents={l.total} currency={l.currency} />
                    </p>
                  </div>
                  <p className="text-sm text-slate-700">
                    {formatMoney(l.unitAmount, l.currency)}
                    {l.interval ? ` / ${l.interval}` : ''} each{l.nickname ? ` · ${l.nickname}` : ''}
                  </p>
                  <div className="flex flex-wrap items-end gap-3">
                    <Form method="post" className="flex flex-wrap items-end gap-2">
                      <input type="hidden" name="priceId" value={l.priceId} />
                      <div>
                        <label htmlFor={`qty-${l.priceId}`} className="label">
                          Quantity of {l.productName}
                        </label>
                        <input
                          id={`qty-${l.priceId}`}
                          name="quantity"
                          type="number"
                          inputMode="numeric"
                          defaultValue={l.quantity}
                          min={1}
                          max={l.type === 'SUBSCRIPTION' ? 1 : MAX_QUANTITY}
                          className="input mt-1 w-24"
                          aria-invalid={error ? true : undefined}
                          aria-describedby={error ? `qty-${l.priceId}-error` : undefined}
                        />
                      </div>
                      <SubmitButton
                        className="btn-secondary"
                        name="intent"
                        value="update"
                        pendingLabel="Updating…"
                      >
                        Update
                      </SubmitButton>
                    </Form>
                    <Form method="post">
                      <input type="hidden" name="priceId" value={l.priceId} />
                      <SubmitButton
                        className="btn-secondary"
                        name="intent"
                        value="remove"
                        pendingLabel="Removing…"
                      >
                        Remove <span className="sr-only">{l.productName}</span>
                      </SubmitButton>
                    </Form>
                  </div>
                  {error ? (
                    <p id={`qty-${l.priceId}-error`} role="alert" className="field-error">
                      {error}
                    </p>
                  ) : null}
                </li>
              );
            })}
          </ul>
          <section aria-labelledby="cart-total" className="card space-y-3">
            <h2 id="cart-total" className="flex justify-between text-lg font-semibold">
              <span>Subtotal</span>
              <Money cents={subtotal} currency={currency} />
            </h2>
            <p className="text-sm text-slate-600">Tax and discount codes are applied at checkout.</p>
            <Link to="/checkout" className="btn-primary inline-block">
              Check out
            </Link>
          </section>
        </>
      )}
    </div>
  );
}
