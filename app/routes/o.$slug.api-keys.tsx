// API keys of the organization (OWNER and ADMIN, SPEC §2): the list (prefix, scopes, last use, status),
// a create form that shows the new key once, and revoke. Works without JavaScript: the new key comes back
// in the POST's answer (never in a redirect or a flash, which would store it in a cookie).
import { getFormProps, getSelectProps, useForm } from '@conform-to/react';
import { getZodConstraint, parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { createApiKey, listApiKeys, revokeApiKey } from '~/api-keys/api-keys.server';
import {
  API_SCOPES,
  type ApiScope,
  apiKeyFormSchema,
  DEFAULT_RATE_LIMIT,
  EXPIRY_CHOICES,
  SCOPE_LABELS,
} from '~/api-keys/scopes';
import { requireRecentAuthentication, sudoState } from '~/auth/sudo.server';
import {
  askToConfirm,
  ConfirmAction,
  ConfirmationPage,
  isConfirmed,
  type Wording,
} from '~/components/confirm';
import { Field, FieldErrors, FormErrors, SubmitButton, VALIDATE_ON_SUBMIT } from '~/components/form';
import { SudoNotice } from '~/components/sudo-notice';
import { NotFound } from '~/lib/errors';
import { badIntent, done, formError, formInvalid, loaderFailure } from '~/lib/http.server';
import { requireMember } from '~/orgs/access.server';
import { ActionError, formatDate, organizationTitle, PageHeading, ScrollRegion } from '~/orgs/components';

export const meta: MetaFunction = ({ matches }) => organizationTitle(matches, 'API keys');

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db, actor, organization, auth } = await requireMember(request, params.slug, 'api-keys:manage');
  const keys = await listApiKeys(db, actor, organization.id).catch(loaderFailure);
  // Creating a key is sudo-gated (issue 15 §4): the form shows only after a recent proof of identity.
  return data({ organization, keys, sudo: sudoState(auth, request) });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { db, actor, organization, auth } = await requireMember(request, params.slug);
  const formData = await request.formData();
  const intent = String(formData.get('intent') ?? '');
  const here = `/o/${organization.slug}/api-keys`;
  if (intent === 'create') {
    requireRecentAuthentication(auth, request);
    const submission = parseWithZod(formData, { schema: apiKeyFormSchema });
    if (submission.status !== 'success') return formInvalid('create', submission);
    const { name, scopes, expiresInDays, rateLimit } = submission.value;
    try {
      const created = await createApiKey(db, actor, {
        organizationId: organization.id,
        name,
        scopes,
        rateLimit,
        expiresAt: expiresInDays ? new Date(Date.now() + Number(expiresInDays) * 86_400_000) : null,
      });
      return data(
        {
          form: 'create',
          result: submission.reply({ resetForm: true }),
          error: undefined,
          created: { name: created.name, prefix: created.prefix, key: created.key },
        },
        { headers: { 'Cache-Control': 'no-store' } },
      );
    } catch (err) {
      return formError('create', submission, err);
    }
  }
  if (intent === 'revoke') {
    const apiKeyId = String(formData.get('apiKeyId') ?? '');
    try {
      if (!isConfirmed(formData)) {
        const target = (await listApiKeys(db, actor, organization.id)).find((k) => k.id === apiKeyId);
        if (!target) throw new NotFound('API key not found.');
        return askToConfirm({ intent, fields: { apiKeyId }, ...revokeWording(target) });
      }
      const key = await revokeApiKey(db, actor, { organizationId: organization.id, apiKeyId });
      return done(here, `API key ${key.name} (${key.prefix}…) revoked.`);
    } catch (err) {
      return formError('revoke', null, err);
    }
  }
  return badIntent();
}

function revokeWording(key: { name: string; prefix: string }): Wording {
  return {
    title: `Revoke the API key ${key.name}?`,
    message: `This will stop ${key.prefix}… at once: every request that sends it gets 401. A revoked key cannot be turned back on; create a new one instead.`,
    confirmLabel: 'Revoke key',
  };
}

const STATUS_STYLES = {
  active: 'bg-emerald-100 text-emerald-900',
  revoked: 'bg-slate-200 text-slate-800',
  expired: 'bg-amber-100 text-amber-900',
} as const;

export default function ApiKeys() {
  const { organization, keys, sudo } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const created = answer && 'created' in answer ? answer.created : undefined;
  const [form, fields] = useForm({
    id: 'create-api-key',
    lastResult: answer?.form === 'create' ? answer.result : undefined,
    constraint: getZodConstraint(apiKeyFormSchema),
    // expiresInDays '' (never) too: a reset after a create must land on an option, not a blank select.
    defaultValue: { rateLimit: String(DEFAULT_RATE_LIMIT), expiresInDays: '' },
    ...VALIDATE_ON_SUBMIT,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: apiKeyFormSchema }),
  });
  const chosen = new Set(
    ([] as unknown[]).concat(fields.scopes.value ?? []).filter((v): v is string => typeof v === 'string'),
  );
  return (
    <ConfirmationPage cancelHref={`/o/${organization.slug}/api-keys`}>
      <div className="space-y-8">
        <PageHeading title="API keys" />
        <p className="text-sm text-slate-700">
          A key calls <code>/api/v1/orgs/…</code> as the member who created it, within its scopes. Send it as{' '}
          <code>Authorization: Bearer sk_…</code>. Keys stop working when revoked, when they expire, or when
          their creator leaves the organization.
        </p>
        <ActionError />
        {created ? (
          <section
            aria-labelledby="new-key-heading"
            className="card space-y-3 border-emerald-300 bg-emerald-50"
            data-new-key={created.prefix}
          >
            <h2 id="new-key-heading" className="text-lg font-semibold">
              API key {created.name} created
            </h2>
            <p className="text-sm text-slate-800">
              Copy it now: it is shown only once and cannot be recovered. If you lose it, revoke it and create
              another.
            </p>
            <label htmlFor="new-api-key" className="label">
              Your new API key
            </label>
            <input
              id="new-api-key"
              readOnly
              value={created.key}
              className="input font-mono text-sm"
              onFocus={(e) => e.currentTarget.select()}
            />
          </section>
        ) : null}

        {keys.length === 0 ? (
          <p className="text-slate-700">No API keys yet.</p>
        ) : (
          <ScrollRegion label="API keys">
            <table className="w-full text-left text-sm">
              <thead className="bg-slate-50 text-slate-700">
                <tr>
                  <th scope="col" className="px-4 py-3">
                    Name
                  </th>
                  <th scope="col" className="px-4 py-3">
                    Key
                  </th>
                  <th scope="col" className="px-4 py-3">
                    Scopes
                  </th>
                  <th scope="col" className="px-4 py-3">
                    Created
                  </th>
                  <th scope="col" className="px-4 py-3">
                    Last used
                  </th>
                  <th scope="col" className="px-4 py-3">
                    Expires
                  </th>
                  <th scope="col" className="px-4 py-3">
                    Status
                  </th>
                  <th scope="col" className="px-4 py-3">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-200">
                {keys.map((k) => (
                  <tr key={k.id} data-api-key={k.prefix}>
                    <td className="px-4 py-3 font-medium">{k.name}</td>
                    <td className="px-4 py-3 font-mono">{k.prefix}…</td>
                    <td className="px-4 py-3">{k.scopes.join(', ')}</td>
                    <td className="px-4 py-3">
                      {formatDate(k.createdAt)}
                      <br />
                      <span className="text-slate-600">
                        by {k.createdByName ?? k.createdByEmail ?? 'a former member'}
                      </span>
                    </td>
                    <td className="px-4 py-3">{k.lastUsedAt ? formatDate(k.lastUsedAt) : 'Never'}</td>
                    <td className="px-4 py-3">{k.expiresAt ? formatDate(k.expiresAt) : 'Never'}</td>
                    <td className="px-4 py-3">
                      <span
                        className={`rounded px-2 py-0.5 text-xs font-semibold ${STATUS_STYLES[k.status]}`}
                      >
                        {k.status === 'active' ? 'Active' : k.status === 'expired' ? 'Expired' : 'Revoked'}
                      </span>
                      <span className="block text-xs text-slate-600">
                        {k.rateLimit.toLocaleString('en-US')}/hour
                      </span>
                    </td>
                    <td className="px-4 py-3">
                      {k.isActive ? (
                        <ConfirmAction
                          intent="revoke"
                          fields={{ apiKeyId: k.id }}
                          label="Revoke"
                          accessibleLabel={`Revoke ${k.name} (${k.prefix})`}
                          pendingLabel="Revoking…"
                          confirmation={revokeWording(k)}
                        />
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        )}

        <section aria-labelledby="new-api-key-heading">
          <h2 id="new-api-key-heading" className="text-lg font-semibold">
            Create an API key
          </h2>
          {!sudo.recent ? (
            <div className="mt-4">
              <SudoNotice confirmPath={sudo.confirmPath} action="create an API key" />
            </div>
          ) : null}
          <Form method="post" {...getFormProps(form)} className="card mt-4 space-y-4" hidden={!sudo.recent}>
            <input type="hidden" name="intent" value="create" />
            <FormErrors id={form.errorId} errors={form.errors} />
            <Field field={fields.name} label="Name" hint="Where the key is used, e.g. “Billing exporter”." />
            <fieldset aria-describedby={fields.scopes.errors?.length ? fields.scopes.errorId : undefined}>
              <legend className="label">Scopes</legend>
              <div className="mt-2 grid gap-2 sm:grid-cols-2">
                {API_SCOPES.map((scope: ApiScope) => (
                  <label key={scope} className="flex items-start gap-2 text-sm">
                    <input
                      type="checkbox"
                      name={fields.scopes.name}
                      value={scope}
                      defaultChecked={chosen.has(scope)}
                      key={`${fields.scopes.key}-${scope}`}
                      className="mt-1"
                    />
                    <span>
                      <code>{scope}</code> — {SCOPE_LABELS[scope]}
                    </span>
                  </label>
                ))}
              </div>
              <FieldErrors id={fields.scopes.errorId} errors={fields.scopes.errors} />
            </fieldset>
            <div>
              <label htmlFor={fields.expiresInDays.id} className="label">
                Expires
              </label>
              <select
                {...getSelectProps(fields.expiresInDays)}
                key={fields.expiresInDays.key}
                className="input mt-1 w-auto"
              >
                {EXPIRY_CHOICES.map((c) => (
                  <option key={c.value} value={c.value}>
                    {c.label}
                  </option>
                ))}
              </select>
              <FieldErrors id={fields.expiresInDays.errorId} errors={fields.expiresInDays.errors} />
            </div>
            <Field
              field={fields.rateLimit}
              label="Rate limit (requests per hour)"
              type="number"
              min={1}
              inputMode="numeric"
            />
            <SubmitButton pendingLabel="Creating…">Create API key</SubmitButton>
          </Form>
        </section>
      </div>
    </ConfirmationPage>
  );
}
