// The organization's billing page (SPEC §2, §6): the current plan and its period, usage against the plan's
// limits, and — for OWNER and ADMIN — switching plans and cancelling/resuming in local billing mode.
// BILLING members see it read-only (it is their home). Every form is a plain POST that works without
// JavaScript; its error shows next to it. Invoices and payments arrive with the billing run.
import { parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { formatMoney, isUnlimited, type PlanLimits } from '~/billing/plans';
import {
  cancelSubscription,
  changePlan,
  changePlanSchema,
  getBillingOverview,
  moduleName,
  resumeSubscription,
} from '~/billing/subscriptions.server';
import {
  askToConfirm,
  ConfirmAction,
  ConfirmationPage,
  isConfirmed,
  type Wording,
} from '~/components/confirm';
import { SubmitButton } from '~/components/form';
import { planHighlights } from '~/components/plan-features';
import { badIntent, done, type FormAnswer, formError, formInvalid, loaderFailure } from '~/lib/http.server';
import { authorize, requireMember } from '~/orgs/access.server';
import { ErrorMessage, formatDate, organizationTitle, PageHeading } from '~/orgs/components';
import { can } from '~/orgs/permissions';

export const meta: MetaFunction = ({ matches }) => organizationTitle(matches, 'Billing');

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db, actor, organization, role } = await requireMember(request, params.slug, 'billing:view');
  const overview = await getBillingOverview(db, actor, organization.id).catch(loaderFailure);
  return data({ organization, overview, canChange: can(role, 'billing:change-plan') });
}

export async function action({ request, params }: ActionFunctionArgs) {
  // Members who may not even see billing get the 403 page; BILLING gets the domain's 403 next to the form.
  const { db, actor, organization } = await requireMember(request, params.slug, 'billing:view');
  const formData = await request.formData();
  const intent = String(formData.get('intent') ?? '');
  const here = `/o/${organization.slug}/billing`;
  if (intent === 'change-plan') {
    const form = `plan-${String(formData.get('planKey') ?? '')}`;
    const submission = parseWithZod(formData, { schema: changePlanSchema });
    if (submission.status !== 'success') return formInvalid(form, submission);
    try {
      if (!isConfirmed(formData)) {
        const overview = await getBillingOverview(db, actor, organization.id);
        await authorize(db, actor, organization.id, 'billing:change-plan');
        const target = overview.plans.find((p) => p.key === submission.value.planKey);
        // Switching to the current plan changes nothing to confirm: the domain answers it (409).
        if (target && target.key !== overview.plan.key && !overview.stripeManaged)
          return askToConfirm({
            intent,
            fields: { planKey: target.key },
            ...switchWording(organization.name, overview, target),
          });
      }
      const result = await changePlan(db, actor, organization.id, submission.value.planKey);
      const disabled = result.disabledModules.length
        ? ` Disabled beyond the new limit: ${result.disabledModules.map(moduleName).join(', ')}.`
        : '';
      return done(here, `Switched to the ${result.plan.name} plan.${disabled}`);
    } catch (err) {
      return formError(form, submission, err);
    }
  }
  if (intent === 'cancel') {
    try {
      await cancelSubscription(db, actor, organization.id);
      return done(here, 'The subscription will end with the current period.');
    } catch (err) {
      return formError('cancel', null, err);
    }
  }
  if (intent === 'resume') {
    try {
      await resumeSubscription(db, actor, organization.id);
      return done(here, 'The subscription continues.');
    } catch (err) {
      return formError('resume', null, err);
    }
  }
  return badIntent();
}

const INTERVAL_LABEL: Record<string, string> = { MONTHLY: 'month', YEARLY: 'year' };

function priceLabel(plan: { price: number; currency: string; billingInterval: string }): string {
  if (plan.price === 0) return 'Free';
  const per = INTERVAL_LABEL[plan.billingInterval];
  return per ? `${formatMoney(plan.price, plan.currency)} / ${per}` : formatMoney(plan.price, plan.currency);
}

type PlanSummary = {
  key: string;
  name: string;
  price: number;
  currency: string;
  billingInterval: string;
  limits: unknown;
};

function switchWording(
  organizationName: string,
  overview: { plan: { name: string }; usage: { modules: { used: number } } },
  target: PlanSummary,
): Wording {
  const limits = target.limits as PlanLimits;
  const surplus = isUnlimited(limits.modules) ? 0 : overview.usage.modules.used - limits.modules;
  const modules =
    surplus > 0
      ? ` ${surplus} of your ${overview.usage.modules.used} enabled modules will be switched off, newest first.`
      : '';
  return {
    title: `Switch to ${target.name}?`,
    message: `This will move ${organizationName} from ${overview.plan.name} to ${target.name} (${priceLabel(target)}) at once, with its limits: ${planHighlights({ limits }).join(', ')}.${modules}`,
    confirmLabel: `Switch to ${target.name}`,
  };
}

function FormAlert({ answer, form }: { answer: FormAnswer | undefined; form: string }) {
  if (!answer || answer.form !== form || !answer.error) return null;
  return (
    <p role="alert" className="text-sm text-red-700" id={`${form}-error`}>
      <ErrorMessage message={answer.error} />
    </p>
  );
}

function UsageRow({
  label,
  used,
  limit,
  detail,
}: {
  label: string;
  used: number;
  limit: number | null;
  detail?: string;
}) {
  const over = limit !== null && used > limit;
  return (
    <div className="flex flex-wrap items-baseline justify-between gap-2 py-2">
      <dt className="font-medium">{label}</dt>
      <dd className={over ? 'text-red-700' : 'text-slate-800'}>
        {used.toLocaleString('en-US')} of {limit === null ? 'unlimited' : limit.toLocaleString('en-US')}
        {detail ? <span className="ml-1 text-sm text-slate-600">({detail})</span> : null}
      </dd>
    </div>
  );
}

export default function Billing() {
  const { organization, overview, canChange } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>() as FormAnswer | undefined;
  const { usage } = overview;
  const localMode = !overview.stripeManaged;
  return (
    <ConfirmationPage cancelHref={`/o/${organization.slug}/billing`}>
      <div className="space-y-8">
        <PageHeading title="Billing" />
        {answer?.form === 'unknown' && answer.error ? (
          <p role="alert" className="text-sm text-red-700">
            {answer.error}
          </p>
        ) : null}

        <section aria-labelledby="current-plan" className="card space-y-3">
          <h2 id="current-plan" className="text-lg font-semibold">
            Current plan: {overview.plan.name}
          </h2>
          <p className="text-slate-800">
            {priceLabel(overview.plan)} · Status <strong>{overview.status}</strong>
          </p>
          <p className="text-sm text-slate-700">
            {overview.currentPeriodEnd
              ? `Current period: ${formatDate(overview.currentPeriodStart)} – ${formatDate(overview.currentPeriodEnd)}`
              : `Since ${formatDate(overview.currentPeriodStart)}; no renewal date.`}
          </p>
          {overview.cancelAtPeriodEnd ? (
            <p className="rounded-md bg-amber-50 px-4 py-3 text-sm text-amber-900 ring-1 ring-amber-200">
              The subscription ends
              {overview.currentPeriodEnd
                ? ` on ${formatDate(overview.currentPeriodEnd)}`
                : ' with this period'}
              ; the organization then moves to the Free plan.
            </p>
          ) : null}
          {canChange && localMode && overview.paid ? (
            overview.cancelAtPeriodEnd ? (
              <Form method="post" className="flex flex-wrap items-center gap-3">
                <SubmitButton name="intent" value="resume" className="btn-primary" pendingLabel="Resuming…">
                  Resume subscription
                </SubmitButton>
                <FormAlert answer={answer} form="resume" />
              </Form>
            ) : (
              <Form method="post" className="flex flex-wrap items-center gap-3">
                <SubmitButton name="intent" value="cancel" className="btn-danger" pendingLabel="Cancelling…">
                  Cancel at period end
                </SubmitButton>
                <FormAlert answer={answer} form="cancel" />
              </Form>
            )
          ) : null}
        </section>

        <section aria-labelledby="usage-heading" className="card">
          <h2 id="usage-heading" className="text-lg font-semibold">
            Usage against the plan
          </h2>
          <dl className="mt-2 divide-y divide-slate-200">
            <UsageRow
              label="Members"
              used={usage.members.used}
              limit={usage.members.limit}
              detail={`${usage.members.members} members, ${usage.members.pending} pending invitations`}
            />
            <UsageRow label="Enabled modules" used={usage.modules.used} limit={usage.modules.limit} />
            <UsageRow
              label="API calls this month (UTC)"
              used={usage.apiCalls.used}
              limit={usage.apiCalls.limit}
            />
          </dl>
        </section>

        <section aria-labelledby="plans-heading" className="space-y-4">
          <h2 id="plans-heading" className="text-lg font-semibold">
            Plans
          </h2>
          {overview.stripeManaged ? (
            <p className="text-sm text-slate-700">Plan changes go through Stripe Checkout.</p>
          ) : null}
          {!canChange ? (
            <p className="text-sm text-slate-700">Only owners and admins can change the plan.</p>
          ) : null}
          <ul className="grid gap-4 md:grid-cols-3">
            {overview.plans.map((p) => {
              const current = p.key === overview.plan.key;
              const limits = p.limits as PlanLimits;
              const form = `plan-${p.key}`;
              return (
                <li key={p.key} className="card flex flex-col gap-3" data-plan={p.key}>
                  <div>
                    <h3 className="font-semibold">
                      {p.name} {current ? <span className="text-sm text-brand-800">(current)</span> : null}
                    </h3>
                    <p className="text-slate-800">{priceLabel(p)}</p>
                    {p.description ? <p className="text-sm text-slate-700">{p.description}</p> : null}
                  </div>
                  <ul className="list-disc pl-5 text-sm text-slate-700">
                    {planHighlights({ limits }).map((line) => (
                      <li key={line}>{line}</li>
                    ))}
                  </ul>
                  {canChange && localMode && !current ? (
                    <div className="mt-auto space-y-2">
                      <ConfirmAction
                        intent="change-plan"
                        fields={{ planKey: p.key }}
                        label={`Switch to ${p.name}`}
                        className="btn-secondary"
                        pendingLabel="Switching…"
                        confirmation={switchWording(organization.name, overview, p)}
                      />
                      <FormAlert answer={answer} form={form} />
                    </div>
                  ) : null}
                </li>
              );
            })}
          </ul>
        </section>

        <p className="text-sm text-slate-700">
          Invoices and payments arrive with the billing run and will be listed here.
        </p>
      </div>
    </ConfirmationPage>
  );
}
