// Organization settings (OWNER and ADMIN) and, for OWNERs, deleting the organization: the page says
// beforehand what goes and what stays, and the slug must be typed to confirm.
import { getFormProps, useForm } from '@conform-to/react';
import { getZodConstraint, parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { setTwoFactorRequirement, twoFactorPolicy } from '~/auth/second-factor.server';
import { requireRecentAuthentication, sudoState } from '~/auth/sudo.server';
import { stripeClientOrNull } from '~/billing/stripe-client.server';
import { Field, FormErrors, SubmitButton, VALIDATE_ON_SUBMIT } from '~/components/form';
import { SudoNotice } from '~/components/sudo-notice';
import { badIntent, done, type FormAnswer, formError, formInvalid, loaderFailure } from '~/lib/http.server';
import { requireMember } from '~/orgs/access.server';
import { organizationTitle, PageHeading } from '~/orgs/components';
import {
  deleteOrganization,
  deletionSummary,
  getOrganizationSettings,
  updateOrganization,
} from '~/orgs/organizations.server';
import { can } from '~/orgs/permissions';
import { deleteOrganizationFormSchema, organizationSettingsSchema } from '~/orgs/schemas';

export const meta: MetaFunction = ({ matches }) => organizationTitle(matches, 'Settings');

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db, actor, organization, role, auth } = await requireMember(
    request,
    params.slug,
    'organization:edit',
  );
  const canDelete = can(role, 'organization:delete');
  const [settings, summary, twoFactor] = await Promise.all([
    getOrganizationSettings(db, actor, organization.id),
    canDelete ? deletionSummary(db, actor, organization.id) : Promise.resolve(null),
    twoFactorPolicy(db, actor, organization.id),
  ]).catch(loaderFailure);
  return data({
    organization,
    settings: {
      name: settings.name,
      slug: settings.slug,
      email: settings.email ?? '',
      phone: settings.phone ?? '',
      address: settings.address ?? '',
      city: settings.city ?? '',
      country: settings.country ?? '',
    },
    summary,
    // Deleting the organization is sudo-gated (issue 15 §4): the form shows only after a recent proof.
    sudo: sudoState(auth, request),
    twoFactor,
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { db, actor, organization, auth } = await requireMember(request, params.slug);
  const formData = await request.formData();
  const intent = String(formData.get('intent') ?? '');
  if (intent === 'update') {
    const submission = parseWithZod(formData, { schema: organizationSettingsSchema });
    if (submission.status !== 'success') return formInvalid('update', submission);
    try {
      const updated = await updateOrganization(db, actor, {
        organizationId: organization.id,
        ...submission.value,
      });
      return done(`/o/${updated.slug}/settings`, 'Settings saved.');
    } catch (err) {
      return formError('update', submission, err);
    }
  }
  if (intent === 'two-factor') {
    const value = String(formData.get('requireTwoFactor') ?? '');
    if (value !== 'on' && value !== 'off')
      return data<FormAnswer>(
        { form: 'two-factor', error: 'Choose whether to require a second factor.' },
        { status: 400 },
      );
    try {
      const { changed } = await setTwoFactorRequirement(db, actor, organization.id, value === 'on');
      return done(
        `/o/${organization.slug}/settings`,
        !changed
          ? 'Nothing changed.'
          : value === 'on'
            ? 'Every member now needs a second factor to open the organization.'
            : 'Members no longer need a second factor.',
      );
    } catch (err) {
      return formError('two-factor', null, err);
    }
  }
  if (intent === 'delete') {
    requireRecentAuthentication(auth, request);
    const submission = parseWithZod(formData, { schema: deleteOrganizationFormSchema });
    if (submission.status !== 'success') return formInvalid('delete', submission);
    try {
      const deleted = await deleteOrganization(
        db,
        actor,
        { organizationId: organization.id, ...submission.value },
        { stripe: stripeClientOrNull() },
      );
      return done('/orgs', `${deleted.name} was deleted.`);
    } catch (err) {
      return formError('delete', submission, err);
    }
  }
  return badIntent();
}

export default function Settings() {
  const { organization, settings, summary, twoFactor } = useLoaderData<typeof loader>();
  const { sudo } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const [form, fields] = useForm({
    id: 'settings',
    lastResult: answer?.form === 'update' ? answer.result : undefined,
    constraint: getZodConstraint(organizationSettingsSchema),
    defaultValue: settings,
    ...VALIDATE_ON_SUBMIT,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: organizationSettingsSchema }),
  });
  const [deleteForm, deleteFields] = useForm<{ confirm: string }>({
    id: 'delete-organization',
    lastResult: answer?.form === 'delete' ? answer.result : undefined,
    constraint: getZodConstraint(deleteOrganizationFormSchema),
  });
  return (
    <div className="space-y-10">
      <PageHeading title="Settings" />
      <Form method="post" {...getFormProps(form)} className="card max-w-xl space-y-4">
        <input type="hidden" name="intent" value="update" />
        <FormErrors id={form.errorId} errors={form.errors} />
        <Field field={fields.name} label="Name" />
        <Field
          field={fields.slug}
          label="Address"
          hint="Changing it changes every /o/… link of the organization."
        />
        <Field field={fields.email} label="Contact email (optional)" type="email" />
        <Field field={fields.phone} label="Phone (optional)" type="tel" />
        <Field field={fields.address} label="Street address (optional)" />
        <Field field={fields.city} label="City (optional)" />
        <Field field={fields.country} label="Country (optional)" />
        <SubmitButton pendingLabel="Saving…">Save settings</SubmitButton>
      </Form>

      <section aria-labelledby="two-factor-heading" className="card max-w-xl space-y-3">
        <h2 id="two-factor-heading" className="text-lg font-semibold">
          Two-step verification
        </h2>
        <p className="text-sm text-slate-700">
          {twoFactor.required
            ? 'Required: members without an authenticator app or a passkey are sent to set one up before they can open the organization. API keys keep working; personal API tokens need a login with a code.'
            : 'Not required: members choose for themselves.'}{' '}
          <span data-members-without-2fa>
            {twoFactor.membersWithout === 0
              ? `All ${twoFactor.members} member(s) have a second factor.`
              : `${twoFactor.membersWithout} of ${twoFactor.members} member(s) have no second factor yet.`}
          </span>
        </p>
        {answer?.form === 'two-factor' && answer.error ? (
          <p role="alert" className="field-error">
            {answer.error}
          </p>
        ) : null}
        <Form method="post">
          <input type="hidden" name="intent" value="two-factor" />
          <input type="hidden" name="requireTwoFactor" value={twoFactor.required ? 'off' : 'on'} />
          <SubmitButton
            className={twoFactor.required ? 'btn-secondary' : 'btn-primary'}
            pendingLabel="Saving…"
          >
            {twoFactor.required
              ? 'Stop requiring a second factor'
              : 'Require a second factor of every member'}
          </SubmitButton>
        </Form>
      </section>

      {summary ? (
        <section aria-labelledby="delete-heading" className="card max-w-xl space-y-4 ring-red-200">
          <h2 id="delete-heading" className="text-lg font-semibold text-red-800">
            Delete this organization
          </h2>
          <p className="text-sm">This cannot be undone. Deleting {organization.name} deletes, at once:</p>
          <ul className="list-disc pl-6 text-sm" aria-label="What will be deleted">
            <li>The organization, its subscription and billing account</li>
            {summary.deleted.map((d) => (
              <li key={d.label}>
                {d.label}: {d.count}
              </li>
            ))}
          </ul>
          <p className="text-sm">What stays:</p>
          <ul className="list-disc pl-6 text-sm" aria-label="What stays">
            {summary.kept.map((d) => (
              <li key={d.label}>
                {d.label}: {d.count}
              </li>
            ))}
            <li>The audit log entries (the trail outlives what it describes)</li>
          </ul>
          {!sudo.recent ? (
            <SudoNotice confirmPath={sudo.confirmPath} action="delete the organization" />
          ) : null}
          <Form method="post" {...getFormProps(deleteForm)} className="space-y-4" hidden={!sudo.recent}>
            <input type="hidden" name="intent" value="delete" />
            <FormErrors id={deleteForm.errorId} errors={deleteForm.errors} />
            <Field
              field={deleteFields.confirm}
              label={`Type ${organization.slug} to confirm`}
              autoComplete="off"
              spellCheck={false}
            />
            <SubmitButton className="btn-danger" pendingLabel="Deleting…">
              Delete organization
            </SubmitButton>
          </Form>
        </section>
      ) : null}
    </div>
  );
}
