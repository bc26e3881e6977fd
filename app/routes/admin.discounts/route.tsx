// /admin/discounts (issue 13 §9; seed 003 Discount): platform ADMIN creates, edits and deactivates
// discount codes — percent or fixed amount, validity window (UTC), minimum amount, first-time-only, uses
// in all and per customer, and the products a code is limited to. Codes are never deleted (their usages
// are history); a deactivated code is refused at checkout. Audited.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import {
  type AdminAnswer,
  AdminCheckbox,
  AdminInput,
  AdminSelect,
  AnswerAlert,
  answerFor,
} from '~/admin/form-fields';
import { requireStaff } from '~/admin/staff.server';
import { askToConfirm, ConfirmAction, ConfirmationPage, isConfirmed } from '~/components/confirm';
import { SubmitButton } from '~/components/form';
import { done, httpErrorOf, loaderFailure } from '~/lib/http.server';
import { PageHeading } from '~/orgs/components';
import {
  createDiscount,
  deactivateDiscount,
  discountFormInput,
  listDiscountsAdmin,
  updateDiscount,
} from '~/store/catalog-admin.server';
import { formatMoney } from '~/store/format';

export const meta: MetaFunction = () => [{ title: 'Discounts · Admin · SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { db, actor } = await requireStaff(request, 'store:manage');
  return data(await listDiscountsAdmin(db, actor).catch(loaderFailure));
}

export async function action({ request }: ActionFunctionArgs) {
  const { db, actor } = await requireStaff(request, 'store:manage');
  const form = await request.formData();
  const intent = String(form.get('intent') ?? '');
  const discountId = String(form.get('discountId') ?? '');
  const values = discountFormInput(form);
  const formName = intent === 'create' ? 'create' : `${intent}-${discountId}`;
  try {
    if (intent === 'create') {
      const d = await createDiscount(db, actor, values);
      return done('/admin/discounts', `Created the code ${d.code}.`);
    }
    if (intent === 'update') {
      const d = await updateDiscount(db, actor, discountId, values);
      return done('/admin/discounts', `Saved the code ${d.code}.`);
    }
    if (intent === 'deactivate') {
      if (!isConfirmed(form))
        return data(
          askToConfirm({
            intent: 'deactivate',
            fields: { discountId },
            title: 'Deactivate this code?',
            message: 'Checkouts will refuse it from now on. Its past uses are kept.',
            confirmLabel: 'Deactivate code',
          }),
        );
      await deactivateDiscount(db, actor, discountId);
      return done('/admin/discounts', 'The code is deactivated.');
    }
  } catch (err) {
    const failure = httpErrorOf(err);
    if (!failure) throw err;
    if (failure.status === 404) throw new Response(failure.message, { status: 404 });
    return data<AdminAnswer>(
      { form: formName, error: failure.message, fieldErrors: failure.fieldErrors, values },
      { status: failure.status },
    );
  }
  return data<AdminAnswer>({ form: 'unknown', error: 'Unknown action.' }, { status: 400 });
}

type Discount = ReturnType<typeof useLoaderData<typeof loader>>['discounts'][number];

const inputDate = (iso: string | null) => (iso ? iso.slice(0, 16) : '');

function describe(d: Discount) {
  const off = d.percentOff
    ? `${Number(d.percentOff)}% off`
    : `${formatMoney(d.amountOff ?? 0, d.currency)} off`;
  const uses = d.maxUses === null ? `${d.currentUses} uses` : `${d.currentUses} of ${d.maxUses} uses`;
  const window =
    d.validFrom || d.validUntil
      ? ` · ${d.validFrom ? d.validFrom.slice(0, 10) : '…'} to ${d.validUntil ? d.validUntil.slice(0, 10) : '…'}`
      : '';
  return `${off} · ${uses}${window}`;
}

function DiscountFields({
  d,
  answer,
  idPrefix,
  products,
}: {
  d?: Discount;
  answer?: AdminAnswer;
  idPrefix: string;
  products: { id: string; name: string }[];
}) {
  const chosen = answer?.values
    ? ((answer.values.productIds as string[] | undefined) ?? [])
    : (d?.productIds ?? []);
  return (
    <>
      <AdminInput
        name="code"
        label="Code"
        idPrefix={idPrefix}
        answer={answer}
        defaultValue={d?.code}
        required
      />
      <AdminInput
        name="name"
        label="Name"
        idPrefix={idPrefix}
        answer={answer}
        defaultValue={d?.name}
        required
      />
      <AdminSelect
        name="kind"
        label="Kind"
        idPrefix={idPrefix}
        answer={answer}
        defaultValue={d?.amountOff ? 'amount' : 'percent'}
        options={[
          { value: 'percent', label: 'Percent off' },
          { value: 'amount', label: 'Amount off (USD)' },
        ]}
      />
      <AdminInput
        name="value"
        label="Value"
        idPrefix={idPrefix}
        answer={answer}
        defaultValue={
          d ? (d.percentOff ? String(Number(d.percentOff)) : ((d.amountOff ?? 0) / 100).toFixed(2)) : ''
        }
        inputMode="decimal"
        required
        hint="25 for 25%, or 5.00 for $5 off."
      />
      <AdminInput
        name="maxUses"
        label="Uses in all"
        idPrefix={idPrefix}
        answer={answer}
        defaultValue={d?.maxUses ?? ''}
        inputMode="numeric"
        hint="Empty: unlimited."
      />
      <AdminInput
        name="maxUsesPerCustomer"
        label="Uses per customer"
        idPrefix={idPrefix}
        answer={answer}
        defaultValue={d?.maxUsesPerCustomer ?? ''}
        inputMode="numeric"
        hint="Empty: unlimited."
      />
      <AdminInput
        name="validFrom"
        label="Valid from (UTC)"
        type="datetime-local"
        idPrefix={idPrefix}
        answer={answer}
        defaultValue={inputDate(d?.validFrom ?? null)}
      />
      <AdminInput
        name="validUntil"
        label="Valid until (UTC)"
        type="datetime-local"
        idPrefix={idPrefix}
        answer={answer}
        defaultValue={inputDate(d?.validUntil ?? null)}
      />
      <AdminInput
        name="minimumAmount"
        label="Minimum order (USD)"
        idPrefix={idPrefix}
        answer={answer}
        defaultValue={d?.minimumAmount != null ? (d.minimumAmount / 100).toFixed(2) : ''}
        inputMode="decimal"
      />
      <div className="flex items-end">
        <AdminCheckbox
          name="firstTimeOnly"
          label="First purchase only"
          idPrefix={idPrefix}
          answer={answer}
          defaultChecked={d?.firstTimeOnly}
        />
      </div>
      <div className="sm:col-span-2">
        <AdminInput
          name="description"
          label="Description"
          idPrefix={idPrefix}
          answer={answer}
          defaultValue={d?.description}
        />
      </div>
      {products.length ? (
        <fieldset className="sm:col-span-2">
          <legend className="label">Only for these products (none: every product)</legend>
          <ul className="mt-1 grid gap-1 sm:grid-cols-2">
            {products.map((p) => (
              <li key={p.id}>
                <label className="flex items-center gap-2 text-sm">
                  <input
                    type="checkbox"
                    name="productIds"
                    value={p.id}
                    defaultChecked={chosen.includes(p.id)}
                  />
                  {p.name}
                </label>
              </li>
            ))}
          </ul>
        </fieldset>
      ) : null}
    </>
  );
}

export default function AdminDiscounts() {
  const { discounts, products } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>() as AdminAnswer | undefined;
  const createAnswer = answerFor(answer, 'create');
  return (
    <ConfirmationPage cancelHref="/admin/discounts">
      <div className="space-y-6">
        <div>
          <p className="text-sm text-slate-600">Platform admin · Store</p>
          <PageHeading title="Discount codes" />
        </div>
        {discounts.length === 0 ? <p className="card text-slate-700">No discount codes yet.</p> : null}
        <ul className="space-y-3">
          {discounts.map((d) => {
            const rowAnswer = answerFor(answer, `update-${d.id}`) ?? answerFor(answer, `deactivate-${d.id}`);
            return (
              <li key={d.id} className="card space-y-2" data-discount={d.code}>
                <div className="flex flex-wrap items-center justify-between gap-2">
                  <p className="min-w-0">
                    <span className="font-mono font-semibold">{d.code}</span>{' '}
                    <span
                      className={`rounded px-2 py-0.5 text-xs font-semibold ${d.isActive ? 'bg-green-100 text-green-900' : 'bg-slate-100 text-slate-800'}`}
                    >
                      {d.isActive ? 'active' : 'inactive'}
                    </span>
                    <span className="block text-sm text-slate-700">
                      {d.name} · {describe(d)}
                    </span>
                  </p>
                  {d.isActive ? (
                    <ConfirmAction
                      intent="deactivate"
                      fields={{ discountId: d.id }}
                      label="Deactivate"
                      accessibleLabel={`Deactivate ${d.code}`}
                      className="btn-danger text-sm"
                      confirmation={{
                        title: `Deactivate ${d.code}?`,
                        message: 'Checkouts will refuse it from now on. Its past uses are kept.',
                        confirmLabel: 'Deactivate code',
                      }}
                    />
                  ) : null}
                </div>
                <AnswerAlert answer={rowAnswer?.fieldErrors ? undefined : rowAnswer} />
                <details open={Boolean(rowAnswer?.fieldErrors)}>
                  <summary className="cursor-pointer text-sm text-brand-800">Edit {d.code}</summary>
                  <Form method="post" className="mt-3 grid gap-3 sm:grid-cols-2">
                    <input type="hidden" name="intent" value="update" />
                    <input type="hidden" name="discountId" value={d.id} />
                    <DiscountFields d={d} answer={rowAnswer} idPrefix={`${d.id}-`} products={products} />
                    <div>
                      <SubmitButton
                        className="btn-secondary"
                        name="discountId"
                        value={d.id}
                        pendingLabel="Saving…"
                      >
                        Save
                      </SubmitButton>
                    </div>
                  </Form>
                </details>
              </li>
            );
          })}
        </ul>
        <section aria-labelledby="new-discount" className="card space-y-3">
          <h2 id="new-discount" className="text-lg font-semibold">
            New discount code
          </h2>
          <AnswerAlert answer={createAnswer?.fieldErrors ? undefined : createAnswer} />
          <Form method="post" className="grid gap-3 sm:grid-cols-2">
            <input type="hidden" name="intent" value="create" />
            <DiscountFields answer={createAnswer} idPrefix="new-" products={products} />
            <div>
              <SubmitButton pendingLabel="Creating…">Create code</SubmitButton>
            </div>
          </Form>
        </section>
      </div>
    </ConfirmationPage>
  );
}
