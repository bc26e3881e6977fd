// /admin/plans/:planId (ADMIN only): edit a plan's name, limits (empty = unlimited), features (one per
// line), trial days and Stripe price id; retire it (asks first). Errors show next to their fields; the
// price itself is not edited here (existing invoices and Stripe prices depend on it).
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { AdminHeading, FormAlert } from '~/admin/components';
import { type AdminAnswer, AdminInput, AdminTextarea, answerFor } from '~/admin/form-fields';
import { getPlanForStaff, planFormSchema, retirePlan, updatePlan } from '~/admin/plans.server';
import { requireStaff } from '~/admin/staff.server';
import { askToConfirm, ConfirmAction, ConfirmationPage, isConfirmed } from '~/components/confirm';
import { SubmitButton } from '~/components/form';
import { formatMoney } from '~/invoicing/format';
import { badIntent, done, httpErrorOf, loaderFailure } from '~/lib/http.server';

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [
  { title: `${d?.plan.name ?? 'Plan'} · Plans · Admin · SaaS Platform` },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db } = await requireStaff(request, 'plans:manage');
  const plan = await getPlanForStaff(db, String(params.planId)).catch(loaderFailure);
  return data({ plan });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { db, actor } = await requireStaff(request, 'plans:manage');
  const planId = String(params.planId);
  const form = await request.formData();
  const values = Object.fromEntries(form) as Record<string, string>;
  const intent = values.intent ?? '';
  try {
    if (intent === 'update') {
      const parsed = planFormSchema.safeParse(values);
      if (!parsed.success) {
        const fieldErrors: Record<string, string[]> = {};
        for (const i of parsed.error.issues) fieldErrors[String(i.path[0] ?? 'form')] = [i.message];
        return data<AdminAnswer>(
          {
            form: 'update',
            error: 'Check the highlighted fields; nothing was changed.',
            fieldErrors,
            values,
          },
          { status: 400 },
        );
      }
      await updatePlan(db, actor, { ...values, planId } as never);
      return done(`/admin/plans/${planId}`, 'Plan saved.');
    }
    if (intent === 'retire') {
      if (!isConfirmed(form))
        return askToConfirm({
          intent,
          fields: {},
          title: 'Retire this plan?',
          message:
            'It leaves pricing and plan changes at once. Organizations already on it keep it until they change plan. This cannot be undone here.',
          confirmLabel: 'Retire plan',
        });
      const r = await retirePlan(db, actor, planId);
      return done('/admin/plans', `Retired ${r.name}; ${r.subscribersKept} organization(s) keep it.`);
    }
  } catch (err) {
    const failure = httpErrorOf(err);
    if (!failure) throw err;
    if (failure.status === 404) throw new Response(failure.message, { status: 404 });
    return data<AdminAnswer>(
      { form: intent, error: failure.message, fieldErrors: failure.fieldErrors, values },
      { status: failure.status },
    );
  }
  return badIntent();
}

export default function AdminPlan() {
  const { plan } = useLoaderData<typeof loader>();
  const answer = answerFor(useActionData<AdminAnswer>(), 'update');
  const limits = (plan.limits ?? {}) as unknown as Record<string, number | null>;
  const field = (
    name: string,
    label: string,
    fallback: string | number | null | undefined,
    hint?: string,
  ) => (
    <AdminInput
      name={name}
      label={label}
      idPrefix="plan-"
      answer={answer}
      defaultValue={fallback}
      hint={hint}
    />
  );
  return (
    <ConfirmationPage cancelHref={`/admin/plans/${plan.id}`}>
      <div className="space-y-6">
        <AdminHeading
          title={plan.name}
          intro={`${plan.key} · ${formatMoney(plan.price, plan.currency)} ${plan.billingInterval.toLowerCase()}`}
        >
          <Link to="/admin/plans" className="link text-sm">
            All plans
          </Link>
        </AdminHeading>
        <Form method="post" className="card space-y-4" noValidate>
          <input type="hidden" name="intent" value="update" />
          <FormAlert form="update" />
          <div className="grid gap-4 sm:grid-cols-2">
            {field('name', 'Name', plan.name)}
            {field('description', 'Description', plan.description)}
            {field('members', 'Members', limits.members, 'Empty = unlimited')}
            {field('modules', 'Modules', limits.modules, 'Empty = unlimited')}
            {field('storageGb', 'Storage (GB)', limits.storage_gb, 'Empty = unlimited')}
            {field(
              'apiCallsPerMonth',
              'API calls per month',
              limits.api_calls_per_month,
              'Empty = unlimited',
            )}
            {field('trialDays', 'Trial days', plan.trialDays, '0 = no trial; at most 730')}
            {field(
              'stripePriceId',
              'Stripe price id',
              plan.stripePriceId,
              'price_…; empty = not sold through Stripe',
            )}
          </div>
          <AdminTextarea
            name="features"
            label="Features (one per line)"
            idPrefix="plan-"
            rows={6}
            answer={answer}
            defaultValue={((plan.features as string[]) ?? []).join('\n')}
          />
          <SubmitButton pendingLabel="Saving…">Save plan</SubmitButton>
        </Form>
        {plan.key !== 'free' ? (
          <section aria-labelledby="retire-heading" className="card space-y-2">
            <h2 id="retire-heading" className="text-lg font-semibold">
              Retire
            </h2>
            <ConfirmAction
              intent="retire"
              fields={{}}
              label="Retire plan"
              pendingLabel="Retiring…"
              confirmation={{
                title: 'Retire this plan?',
                message:
                  'It leaves pricing and plan changes at once. Organizations already on it keep it until they change plan.',
                confirmLabel: 'Retire plan',
              }}
            />
            <FormAlert form="retire" />
          </section>
        ) : null}
      </div>
    </ConfirmationPage>
  );
}
