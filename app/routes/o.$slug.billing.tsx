// The organization's billing page (SPEC §2, §6, issue 10): the current plan and its period, usage against
// the plan's limits, and — for OWNER and ADMIN — plan changes, cancel and resume. In local billing mode a
// change applies at once; in Stripe mode a first paid plan goes through Stripe Checkout (303 to Stripe's
// page), later changes through the subscription (upgrades now, downgrades at period end), and the portal
// opens for payment methods (OWNER, ADMIN, BILLING). BILLING members see the rest read-only (it is their
// home). Every form is a plain POST that works without JavaScript; its error shows next to it.
import { parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { formatMoney, isPaidPlan, isUnlimited, isUpgrade, type PlanLimits } from '~/billing/plans';
import {
  openBillingPortal,
  type PlanChangeResult,
  requestStripeCancel,
  requestStripePlanChange,
  requestStripeResume,
} from '~/billing/stripe-billing.server';
import { isStripeMode, stripeClient } from '~/billing/stripe-client.server';
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
import { IntentFields, SubmitButton } from '~/components/form';
import { planHighlights } from '~/components/plan-features';
import { formatMoney as money, statusLabel } from '~/invoicing/format';
import { accountStatusOf } from '~/invoicing/grace.server';
import { listInvoices } from '~/invoicing/invoices.server';
import { billingPageUrl } from '~/invoicing/notify.server';
import { listServices } from '~/invoicing/staff.server';
import { badIntent, done, type FormAnswer, formError, formInvalid, loaderFailure } from '~/lib/http.server';
import { authorize, requireMember } from '~/orgs/access.server';
import { ErrorMessage, formatDate, organizationTitle, PageHeading, ScrollRegion } from '~/orgs/components';

const SERVICE_STATUS = { ACTIVE: 'Active', SUSPENDED: 'Suspended', CANCELED: 'Canceled' } as const;
const formatDay = (value: string | Date) => new Date(value).toISOString().slice(0, 10);

import { can } from '~/orgs/permissions';

export const meta: MetaFunction = ({ matches }) => organizationTitle(matches, 'Billing');

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db, actor, organization, role } = await requireMember(request, params.slug, 'billing:view');
  const [overview, invoiceList, serviceList, account] = await Promise.all([
    getBillingOverview(db, actor, organization.id),
    listInvoices(db, actor, organization.id),
    listServices(db, organization.id),
    accountStatusOf(db, organization.id),
  ]).catch(loaderFailure);
  // Back from Stripe Checkout: the webhook may still be on its way.
  const checkout = new URL(request.url).searchParams.get('checkout');
  return data({
    organization,
    overview,
    invoices: invoiceList,
    services: serviceList,
    account: account ? { status: account.status, overdueSince: account.overdueSince } : null,
    canChange: can(role, 'billing:change-plan'),
    canOpenPortal: can(role, 'billing:portal'),
    checkout: checkout === 'success' || checkout === 'canceled' ? checkout : null,
  });
}

function stripeOutcome(result: Exclude<PlanChangeResult, { kind: 'checkout' }>): string {
  const when =
    'effectiveAt' in result && result.effectiveAt ? formatDate(result.effectiveAt) : 'the period end';
  if (result.kind === 'upgraded')
    return `Upgraded to ${result.plan.name}. Stripe charges the prorated difference now.`;
  if (result.kind === 'scheduled')
    return `${result.plan.name} starts on ${when}; until then the current plan stays.`;
  return `The subscription ends on ${when}; the organization then moves to the Free plan.`;
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
        // Switching to the current plan changes nothing to confirm: the domain answers it (409). Stripe
        // Checkout is its own confirmation page.
        const wording = target ? planChangeWording(organization.name, overview, target) : null;
        if (target && wording && target.key !== overview.plan.key)
          return askToConfirm({ intent, fields: { planKey: target.key }, ...wording });
      }
      if (isStripeMode()) {
        const result = await requestStripePlanChange(db, stripeClient(), actor, organization.id, {
          planKey: submission.value.planKey,
          billingUrl: billingPageUrl(organization.slug),
        });
        if (result.kind === 'checkout') return redirect(result.url, 303);
        return done(here, stripeOutcome(result));
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
      if (isStripeMode()) {
        const { effectiveAt } = await requestStripeCancel(db, stripeClient(), actor, organization.id);
        return done(
          here,
          `The subscription ends on ${effectiveAt ? formatDate(effectiveAt) : 'the period end'}; until then nothing changes.`,
        );
      }
      await cancelSubscription(db, actor, organization.id);
      return done(here, 'The subscription will end with the current period.');
    } catch (err) {
      return formError('cancel', null, err);
    }
  }
  if (intent === 'resume') {
    try {
      if (isStripeMode()) await requestStripeResume(db, stripeClient(), actor, organization.id);
      else await resumeSubscription(db, actor, organization.id);
      return done(here, 'The subscription continues.');
    } catch (err) {
      return formError('resume', null, err);
    }
  }
  if (intent === 'portal') {
    try {
      const portal = await openBillingPortal(
        db,
        stripeClient(),
        actor,
        organization.id,
        billingPageUrl(organization.slug),
      );
      return redirect(portal.url, 303);
    } catch (err) {
      return formError('portal', null, err);
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
  tier: string;
  trialDays: number;
  limits: unknown;
};

type OverviewLike = {
  mode: 'stripe' | 'local';
  hasStripeSubscription: boolean;
  trialUnused: boolean;
  currentPeriodEnd: Date | string | null;
  plan: { name: string; tier: string; price: number; billingInterval: string };
  usage: { modules: { used: number } };
};

function modulesLost(overview: OverviewLike, target: PlanSummary): string {
  const limits = target.limits as PlanLimits;
  const surplus = isUnlimited(limits.modules) ? 0 : overview.usage.modules.used - limits.modules;
  return surplus > 0
    ? ` ${surplus} of your ${overview.usage.modules.used} enabled modules will be switched off, newest first.`
    : '';
}

/** What a plan button does, in its own words: the label, and the question asked first (null: none). */
function planAction(
  organizationName: string,
  overview: OverviewLike,
  target: PlanSummary,
): { label: string; confirmation: Wording | null } {
  const limits = target.limits as PlanLimits;
  const highlights = planHighlights({ limits }).join(', ');
  const periodEnd = overview.currentPeriodEnd
    ? formatDate(overview.currentPeriodEnd)
    : 'the end of the period';
  if (overview.mode === 'local')
    return {
      label: `Switch to ${target.name}`,
      confirmation: {
        title: `Switch to ${target.name}?`,
        message: `This will move ${organizationName} from ${overview.plan.name} to ${target.name} (${priceLabel(target)}) at once, with its limits: ${highlights}.${modulesLost(overview, target)}`,
        confirmLabel: `Switch to ${target.name}`,
      },
    };
  if (!overview.hasStripeSubscription) {
    // Stripe Checkout shows the price and asks for the card: that page is the confirmation.
    const trial = target.trialDays > 0 && overview.trialUnused;
    return {
      label: trial ? `Start ${target.trialDays}-day trial` : `Upgrade to ${target.name}`,
      confirmation: null,
    };
  }
  if (!isPaidPlan(target))
    return {
      label: `Downgrade to ${target.name}`,
      confirmation: {
        title: `Move to ${target.name} on ${periodEnd}?`,
        message: `The ${overview.plan.name} subscription stays until ${periodEnd}, then ends; ${organizationName} moves to ${target.name} (${highlights}).${modulesLost(overview, target)}`,
        confirmLabel: `End on ${periodEnd}`,
      },
    };
  if (isUpgrade(overview.plan, target))
    return {
      label: `Upgrade to ${target.name}`,
      confirmation: {
        title: `Upgrade to ${target.name} now?`,
        message: `${organizationName} moves to ${target.name} (${priceLabel(target)}) at once. Stripe charges the prorated difference for the rest of this period today, with the card on file.`,
        confirmLabel: `Upgrade and pay now`,
      },
    };
  return {
    label: `Switch to ${target.name}`,
    confirmation: {
      title: `Switch to ${target.name} on ${periodEnd}?`,
      message: `${overview.plan.name} stays until ${periodEnd}, which is paid already; then ${organizationName} moves to ${target.name} (${priceLabel(target)}), with its limits: ${highlights}.${modulesLost(overview, target)}`,
      confirmLabel: `Switch on ${periodEnd}`,
    },
  };
}

function planChangeWording(organizationName: string, overview: OverviewLike, target: PlanSummary) {
  return planAction(organizationName, overview, target).confirmation;
}

function FormAlert({ answer, form }: { answer: FormAnswer | undefined; form: string }) {
  if (!answer || answer.form !== form || !answer.error) return null;
  return (
    <p role="alert" className="text-sm text-red-700" id={`${form}-error`}>
      <ErrorMessage message={answer.error} />
    </p>
  );
}

function Notice({ tone, children }: { tone: 'info' | 'warning'; children: React.ReactNode }) {
  const colors =
    tone === 'warning' ? 'bg-amber-50 text-amber-900 ring-amber-200' : 'bg-sky-50 text-sky-900 ring-sky-200';
  return <p className={`rounded-md px-4 py-3 text-sm ring-1 ${colors}`}>{children}</p>;
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

const STATUS_LABEL: Record<string, string> = {
  ACTIVE: 'Active',
  TRIALING: 'Trial',
  PAST_DUE: 'Payment overdue',
  CANCELED: 'Canceled',
  INCOMPLETE: 'Awaiting payment',
  INCOMPLETE_EXPIRED: 'Expired',
  UNPAID: 'Unpaid',
  PAUSED: 'Paused',
  EXPIRED: 'Expired',
};

export default function Billing() {
  const { organization, overview, canChange, canOpenPortal, checkout, invoices, services, account } =
    useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>() as FormAnswer | undefined;
  const { usage } = overview;
  const stripeMode = overview.mode === 'stripe';
  // Cancel / resume: a local paid plan, or a Stripe subscription (never a Stripe-mode free plan).
  const canEnd = canChange && overview.paid && (!stripeMode || overview.hasStripeSubscription);
  const portal = stripeMode && canOpenPortal && overview.hasStripeCustomer;
  return (
    <ConfirmationPage cancelHref={`/o/${organization.slug}/billing`}>
      <div className="space-y-8">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <PageHeading title="Billing" />
          <p
            className="rounded-full bg-slate-100 px-3 py-1 text-xs font-medium text-slate-700 ring-1 ring-slate-200"
            data-billing-mode={overview.mode}
          >
            {stripeMode ? 'Payments by Stripe' : 'Local billing mode'}
          </p>
        </div>
        {stripeMode ? null : (
          <p className="text-sm text-slate-700">
            No Stripe key is configured: plan changes apply at once and the billing run invoices them.
          </p>
        )}
        {answer?.form === 'unknown' && answer.error ? (
          <p role="alert" className="text-sm text-red-700">
            {answer.error}
          </p>
        ) : null}
        {checkout === 'success' ? (
          <Notice tone="info">
            {overview.hasStripeSubscription
              ? `Thank you: ${organization.name} is on the ${overview.plan.name} plan.`
              : 'Thank you: Stripe is confirming the payment. This page shows the new plan as soon as it does; reload in a moment.'}
          </Notice>
        ) : null}
        {checkout === 'canceled' ? (
          <Notice tone="info">Checkout was canceled: nothing was charged and the plan is unchanged.</Notice>
        ) : null}

        <section aria-labelledby="current-plan" className="card space-y-3">
          <h2 id="current-plan" className="text-lg font-semibold">
            Current plan: {overview.plan.name}
          </h2>
          <p className="text-slate-800">
            {priceLabel(overview.plan)} · Status{' '}
            <strong data-status={overview.status}>{STATUS_LABEL[overview.status] ?? overview.status}</strong>
          </p>
          <p className="text-sm text-slate-700">
            {overview.currentPeriodEnd
              ? `Current period: ${formatDate(overview.currentPeriodStart)} – ${formatDate(overview.currentPeriodEnd)}`
              : `Since ${formatDate(overview.currentPeriodStart)}; no renewal date.`}
          </p>
          {overview.trialEnd ? (
            <Notice tone="info">
              The trial ends on {formatDate(overview.trialEnd)}; Stripe charges the card on file then.
            </Notice>
          ) : null}
          {overview.status === 'PAST_DUE' ? (
            <Notice tone="warning">
              The last payment failed. Stripe retries it; update the payment method to keep the plan.
            </Notice>
          ) : null}
          {overview.scheduledChange ? (
            <Notice tone="info">
              Scheduled: the plan changes to {overview.scheduledChange.planName} on{' '}
              {formatDate(overview.scheduledChange.effectiveAt)}.
            </Notice>
          ) : null}
          {overview.cancelAtPeriodEnd ? (
            <Notice tone="warning">
              The subscription ends
              {overview.currentPeriodEnd
                ? ` on ${formatDate(overview.currentPeriodEnd)}`
                : ' with this period'}
              ; the organization then moves to the Free plan.
            </Notice>
          ) : null}
          <div className="flex flex-wrap items-start gap-3">
            {canEnd ? (
              overview.cancelAtPeriodEnd ? (
                <Form method="post" className="flex flex-wrap items-center gap-3">
                  <SubmitButton name="intent" value="resume" className="btn-primary" pendingLabel="Resuming…">
                    Resume subscription
                  </SubmitButton>
                  <FormAlert answer={answer} form="resume" />
                </Form>
              ) : (
                <Form method="post" className="flex flex-wrap items-center gap-3">
                  <SubmitButton
                    name="intent"
                    value="cancel"
                    className="btn-danger"
                    pendingLabel="Cancelling…"
                  >
                    Cancel at period end
                  </SubmitButton>
                  <FormAlert answer={answer} form="cancel" />
                </Form>
              )
            ) : null}
            {portal ? (
              <Form method="post" className="flex flex-wrap items-center gap-3">
                <SubmitButton name="intent" value="portal" className="btn-secondary" pendingLabel="Opening…">
                  Manage payment methods
                </SubmitButton>
                <FormAlert answer={answer} form="portal" />
              </Form>
            ) : null}
          </div>
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
          {!canChange ? (
            <p className="text-sm text-slate-700">Only owners and admins can change the plan.</p>
          ) : null}
          <ul className="grid gap-4 md:grid-cols-3">
            {overview.plans.map((p) => {
              const current = p.key === overview.plan.key;
              const limits = p.limits as PlanLimits;
              const form = `plan-${p.key}`;
              const { label, confirmation } = planAction(organization.name, overview, p);
              const offered =
                canChange && !current && (isPaidPlan(p) || overview.hasStripeSubscription || !stripeMode);
              return (
                <li key={p.key} className="card flex flex-col gap-3" data-plan={p.key}>
                  <div>
                    <h3 className="font-semibold">
                      {p.name} {current ? <span className="text-sm text-brand-800">(current)</span> : null}
                    </h3>
                    <p className="text-slate-800">{priceLabel(p)}</p>
                    {p.trialDays > 0 &&
                    overview.trialUnused &&
                    stripeMode &&
                    !overview.hasStripeSubscription ? (
                      <p className="text-sm font-medium text-emerald-800">{p.trialDays}-day free trial</p>
                    ) : null}
                    {p.description ? <p className="text-sm text-slate-700">{p.description}</p> : null}
                  </div>
                  <ul className="list-disc pl-5 text-sm text-slate-700">
                    {planHighlights({ limits }).map((line) => (
                      <li key={line}>{line}</li>
                    ))}
                  </ul>
                  {offered ? (
                    <div className="mt-auto space-y-2">
                      {confirmation ? (
                        <ConfirmAction
                          intent="change-plan"
                          fields={{ planKey: p.key }}
                          label={label}
                          className="btn-secondary"
                          pendingLabel="Working…"
                          confirmation={confirmation}
                        />
                      ) : (
                        <Form method="post">
                          <IntentFields intent="change-plan" fields={{ planKey: p.key }} />
                          <SubmitButton className="btn-primary" pendingLabel="Opening Stripe…">
                            {label}
                          </SubmitButton>
                        </Form>
                      )}
                      <FormAlert answer={answer} form={form} />
                    </div>
                  ) : null}
                </li>
              );
            })}
          </ul>
        </section>

        {account && account.status !== 'ACTIVE' ? (
          <Notice tone="warning">
            {account.status === 'SUSPENDED'
              ? 'The account is suspended: invoices are unpaid past the grace period. Paying what is overdue restores the organization and its services at once.'
              : `An invoice is overdue${account.overdueSince ? ` since ${formatDate(account.overdueSince)}` : ''}. Pay it before the grace period ends to keep the services running.`}
          </Notice>
        ) : null}

        <section aria-labelledby="invoices-heading" className="card space-y-3">
          <h2 id="invoices-heading" className="text-lg font-semibold">
            Invoices
          </h2>
          {invoices.length === 0 ? (
            <p className="text-sm text-slate-700">
              {stripeMode
                ? 'No invoices yet. Stripe invoices appear here once they are issued.'
                : 'No invoices yet. The monthly billing run issues them for paid plans and services.'}
            </p>
          ) : (
            <ScrollRegion label="Invoices">
              <table className="w-full min-w-[36rem] text-left text-sm">
                <caption className="sr-only">Invoices of {organization.name}</caption>
                <thead className="text-slate-600">
                  <tr>
                    <th scope="col" className="py-2 pr-3 font-medium">
                      Number
                    </th>
                    <th scope="col" className="py-2 pr-3 font-medium">
                      Period
                    </th>
                    <th scope="col" className="py-2 pr-3 text-right font-medium">
                      Total
                    </th>
                    <th scope="col" className="py-2 pr-3 text-right font-medium">
                      Due
                    </th>
                    <th scope="col" className="py-2 pr-3 font-medium">
                      Due date
                    </th>
                    <th scope="col" className="py-2 font-medium">
                      Status
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-200">
                  {invoices.map((i) => (
                    <tr key={i.number} data-invoice={i.number}>
                      <td className="py-2 pr-3">
                        {i.stripe ? (
                          i.number
                        ) : (
                          <Link
                            to={`/o/${organization.slug}/billing/invoices/${i.number}`}
                            className="font-medium text-brand-800 underline"
                          >
                            {i.number}
                          </Link>
                        )}
                      </td>
                      <td className="py-2 pr-3">
                        {formatDay(i.periodStart)} – {formatDay(i.periodEnd)}
                      </td>
                      <td className="py-2 pr-3 text-right tabular-nums">{money(i.total, i.currency)}</td>
                      <td className="py-2 pr-3 text-right tabular-nums">{money(i.amountDue, i.currency)}</td>
                      <td className="py-2 pr-3">{i.dueAt ? formatDay(i.dueAt) : '—'}</td>
                      <td className="py-2">
                        {statusLabel(i.status)}
                        {i.stripe ? <span className="ml-1 text-xs text-slate-600">(Stripe)</span> : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollRegion>
          )}
        </section>

        {services.length > 0 ? (
          <section aria-labelledby="services-heading" className="card space-y-3">
            <h2 id="services-heading" className="text-lg font-semibold">
              Services
            </h2>
            <ul className="divide-y divide-slate-200">
              {services.map((sv) => (
                <li
                  key={sv.id}
                  className="flex flex-wrap items-baseline justify-between gap-2 py-2"
                  data-service={sv.name}
                >
                  <span>
                    <span className="font-medium">{sv.name}</span>
                    {sv.hardwareSerial ? (
                      <span className="ml-1 text-sm text-slate-600">({sv.hardwareSerial})</span>
                    ) : null}
                  </span>
                  <span className="text-sm text-slate-800">
                    {money(sv.monthlyFee, 'USD')} / month ·{' '}
                    {sv.status === 'SUSPENDED' && sv.suspendedByBilling
                      ? 'Suspended for non-payment'
                      : SERVICE_STATUS[sv.status]}
                  </span>
                </li>
              ))}
            </ul>
          </section>
        ) : null}
      </div>
    </ConfirmationPage>
  );
}
