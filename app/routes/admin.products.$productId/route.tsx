// /admin/products/:productId (issue 13 §9): platform ADMIN edits a product (status draft / published /
// archived, images as URLs, files, stock, categories), adds prices or deactivates them, and deletes the
// product (soft delete, asked first). Each form names itself, so a refusal shows next to the right form.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { type AdminAnswer, AdminInput, AdminSelect, AnswerAlert, answerFor } from '~/admin/form-fields';
import { requireStaff } from '~/admin/staff.server';
import { askToConfirm, ConfirmAction, ConfirmationPage, isConfirmed } from '~/components/confirm';
import { SubmitButton } from '~/components/form';
import { done, httpErrorOf, loaderFailure } from '~/lib/http.server';
import { PageHeading, ScrollRegion } from '~/orgs/components';
import {
  addPrice,
  deactivatePrice,
  deleteProduct,
  productForEdit,
  productFormInput,
  productFormOptions,
  updateProduct,
} from '~/store/catalog-admin.server';
import { formatMoney } from '~/store/format';
import { ProductForm } from '../admin.products.new/product-form';

export const meta: MetaFunction = () => [{ title: 'Edit product · Admin · SaaS Platform' }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db, actor } = await requireStaff(request, 'store:manage');
  const [edit, options] = await Promise.all([
    productForEdit(db, actor, params.productId ?? ''),
    productFormOptions(db, actor),
  ]).catch(loaderFailure);
  return data({
    ...edit,
    prices: edit.prices.map((p) => ({
      ...p,
      createdAt: p.createdAt.toISOString(),
      updatedAt: p.updatedAt.toISOString(),
    })),
    options,
  });
}

function refusal(form: string, err: unknown, values?: Record<string, unknown>) {
  const failure = httpErrorOf(err);
  if (!failure) throw err;
  if (failure.status === 404) throw new Response(failure.message, { status: 404 });
  return data<AdminAnswer>(
    {
      form,
      error: failure.fieldErrors && form === 'save' ? 'Check the fields marked below.' : failure.message,
      fieldErrors: failure.fieldErrors,
      values,
    },
    { status: failure.status },
  );
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { db, actor } = await requireStaff(request, 'store:manage');
  const productId = params.productId ?? '';
  const form = await request.formData();
  const intent = String(form.get('intent') ?? '');
  const here = `/admin/products/${productId}`;
  if (intent === 'save') {
    const input = productFormInput(form);
    try {
      const product = await updateProduct(db, actor, productId, input);
      return done(here, `Saved ${product.name}.`);
    } catch (err) {
      return refusal('save', err, input);
    }
  }
  if (intent === 'add-price') {
    const input = {
      unitAmount: String(form.get('unitAmount') ?? ''),
      type: String(form.get('type') ?? ''),
      interval: String(form.get('interval') ?? ''),
      nickname: String(form.get('nickname') ?? ''),
    };
    try {
      const price = await addPrice(db, actor, productId, input);
      return done(here, `Added a price of ${formatMoney(price.unitAmount, price.currency)}.`);
    } catch (err) {
      return refusal('add-price', err, input);
    }
  }
  if (intent === 'deactivate-price') {
    try {
      await deactivatePrice(db, actor, productId, String(form.get('priceId') ?? ''));
      return done(here, 'The price is no longer sold.');
    } catch (err) {
      return refusal('prices', err);
    }
  }
  if (intent === 'delete') {
    if (!isConfirmed(form))
      return data(
        askToConfirm({
          intent: 'delete',
          fields: {},
          title: 'Delete this product?',
          message:
            'This will remove it from the store and from this list. Orders that bought it keep it; the slug becomes free again.',
          confirmLabel: 'Delete product',
        }),
      );
    try {
      const product = await deleteProduct(db, actor, productId);
      return done('/admin/products', `Deleted ${product.name}.`);
    } catch (err) {
      return refusal('delete', err);
    }
  }
  return data<AdminAnswer>({ form: 'unknown', error: 'Unknown action.' }, { status: 400 });
}

export default function EditProduct() {
  const { product, prices, categoryIds, options } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>() as AdminAnswer | undefined;
  const priceAnswer = answerFor(answer, 'add-price');
  return (
    <ConfirmationPage cancelHref={`/admin/products/${product.id}`}>
      <div className="space-y-8">
        <div>
          <Link to="/admin/products" className="link text-sm">
            ← Products
          </Link>
          <PageHeading title={product.name}>
            {product.status === 'PUBLISHED' ? (
              <Link to={`/store/${product.slug}`} className="link text-sm">
                View in the store
              </Link>
            ) : null}
          </PageHeading>
        </div>
        <ProductForm
          product={product}
          categoryIds={categoryIds}
          options={options}
          answer={answerFor(answer, 'save')}
          submitLabel="Save product"
        />

        <section aria-labelledby="prices-heading" className="card space-y-4">
          <h2 id="prices-heading" className="text-lg font-semibold">
            Prices
          </h2>
          <AnswerAlert answer={answerFor(answer, 'prices')} />
          <ScrollRegion label="Prices">
            <table className="w-full min-w-[28rem] text-left text-sm">
              <thead>
                <tr className="border-b border-slate-200 text-slate-600">
                  <th scope="col" className="py-2 pr-3">
                    Amount
                  </th>
                  <th scope="col" className="py-2 pr-3">
                    Billing
                  </th>
                  <th scope="col" className="py-2 pr-3">
                    State
                  </th>
                  <th scope="col" className="py-2 pr-3">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {prices.map((p) => (
                  <tr key={p.id} className="border-b border-slate-100">
                    <td className="py-2 pr-3">
                      {formatMoney(p.unitAmount, p.currency)}
                      {p.nickname ? <span className="block text-xs text-slate-600">{p.nickname}</span> : null}
                    </td>
                    <td className="py-2 pr-3">
                      {p.type === 'RECURRING'
                        ? `every ${(p.recurring as unknown as { interval?: string } | null)?.interval ?? 'period'}`
                        : 'one-time'}
                    </td>
                    <td className="py-2 pr-3">{p.isActive ? 'active' : 'inactive'}</td>
                    <td className="py-2 pr-3">
                      {p.isActive ? (
                        <Form method="post">
                          <input type="hidden" name="intent" value="deactivate-price" />
                          <input type="hidden" name="priceId" value={p.id} />
                          <SubmitButton
                            className="btn-secondary text-sm"
                            name="priceId"
                            value={p.id}
                            pendingLabel="Deactivating…"
                          >
                            Deactivate
                          </SubmitButton>
                        </Form>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
          <Form method="post" className="grid gap-3 sm:grid-cols-4 sm:items-end" aria-label="Add a price">
            <input type="hidden" name="intent" value="add-price" />
            <AdminInput
              name="unitAmount"
              label="Amount (USD)"
              answer={priceAnswer}
              inputMode="decimal"
              idPrefix="price-"
              required
            />
            <AdminSelect
              name="type"
              label="Billing"
              answer={priceAnswer}
              idPrefix="price-"
              options={[
                { value: 'ONE_TIME', label: 'One-time' },
                { value: 'RECURRING', label: 'Recurring' },
              ]}
            />
            <AdminSelect
              name="interval"
              label="Interval"
              answer={priceAnswer}
              idPrefix="price-"
              options={[
                { value: '', label: '—' },
                { value: 'month', label: 'Monthly' },
                { value: 'year', label: 'Yearly' },
              ]}
            />
            <AdminInput
              name="nickname"
              label="Nickname"
              answer={priceAnswer}
              idPrefix="price-"
              maxLength={100}
            />
            <div className="sm:col-span-4">
              <AnswerAlert answer={priceAnswer?.fieldErrors ? undefined : priceAnswer} />
              <SubmitButton className="btn-secondary" pendingLabel="Adding…">
                Add price
              </SubmitButton>
            </div>
          </Form>
        </section>

        <section aria-labelledby="danger-heading" className="card space-y-3 border-red-200">
          <h2 id="danger-heading" className="text-lg font-semibold text-red-900">
            Delete
          </h2>
          <p className="text-sm text-slate-700">
            Deleting removes the product from the store. Its orders, refunds and reviews are kept.
          </p>
          <AnswerAlert answer={answerFor(answer, 'delete')} />
          <ConfirmAction
            intent="delete"
            fields={{}}
            label="Delete product"
            pendingLabel="Deleting…"
            confirmation={{
              title: `Delete ${product.name}?`,
              message:
                'This will remove it from the store and from this list. Orders that bought it keep it.',
              confirmLabel: 'Delete product',
            }}
          />
        </section>
      </div>
    </ConfirmationPage>
  );
}
