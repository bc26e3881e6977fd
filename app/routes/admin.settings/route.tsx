// /admin/settings (ADMIN only): the system settings, one form each, typed by the setting's zod schema
// (app/admin/settings.server.ts). A value of the wrong type shows its message next to the field and
// nothing changes; every change is audited.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { AdminHeading } from '~/admin/components';
import { listSettings, parseSettingValue, updateSetting } from '~/admin/settings.server';
import { requireStaff } from '~/admin/staff.server';
import { SubmitButton } from '~/components/form';
import { done, formError } from '~/lib/http.server';
import { formatDate } from '~/orgs/components';

export const meta: MetaFunction = () => [{ title: 'Settings · Admin · SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { db } = await requireStaff(request, 'settings:manage');
  return data(await listSettings(db));
}

export async function action({ request }: ActionFunctionArgs) {
  const { db, actor } = await requireStaff(request, 'settings:manage');
  const form = await request.formData();
  const key = String(form.get('key') ?? '');
  try {
    const value = parseSettingValue(key, String(form.get('value') ?? ''));
    const r = await updateSetting(db, actor, { key, value });
    return done('/admin/settings', r.changed ? `Saved ${key}.` : `${key} was already set to that.`);
  } catch (err) {
    return formError(`setting-${key}`, null, err);
  }
}

export default function AdminSettings() {
  const { settings, other } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  return (
    <div className="space-y-6">
      <AdminHeading
        title="System settings"
        intro="Each value is checked against its type before it is saved."
      />
      <ul className="space-y-3">
        {settings.map((s) => {
          const error =
            answer && 'form' in answer && answer.form === `setting-${s.key}` ? answer.error : undefined;
          const id = `setting-${s.key.replaceAll('.', '-')}`;
          return (
            <li key={s.key} className="card" data-setting={s.key}>
              <Form method="post" className="flex flex-wrap items-end gap-3">
                <input type="hidden" name="key" value={s.key} />
                <div className="min-w-0 flex-1">
                  <label htmlFor={id} className="label">
                    {s.label} <span className="font-mono text-xs font-normal text-slate-600">{s.key}</span>
                  </label>
                  {s.kind === 'boolean' ? (
                    <select id={id} name="value" defaultValue={String(s.value)} className="input mt-1 w-full">
                      <option value="true">On</option>
                      <option value="false">Off</option>
                    </select>
                  ) : (
                    <input
                      id={id}
                      name="value"
                      type={s.kind === 'email' ? 'email' : 'text'}
                      inputMode={s.kind === 'integer' || s.kind === 'number' ? 'decimal' : undefined}
                      defaultValue={String(s.value ?? '')}
                      aria-invalid={error ? true : undefined}
                      aria-describedby={`${id}-hint${error ? ` ${id}-error` : ''}`}
                      className="input mt-1 w-full"
                    />
                  )}
                  <p id={`${id}-hint`} className="mt-1 text-xs text-slate-600">
                    {s.description}{' '}
                    {s.isDefault
                      ? '(default)'
                      : s.updatedAt
                        ? `Changed ${formatDate(s.updatedAt)}${s.updatedBy ? ` by ${s.updatedBy}` : ''}.`
                        : ''}
                  </p>
                  {error ? (
                    <p id={`${id}-error`} role="alert" className="mt-1 text-sm text-red-700">
                      {error}
                    </p>
                  ) : null}
                </div>
                <SubmitButton className="btn-secondary" pendingLabel="Saving…" name="key" value={s.key}>
                  Save
                </SubmitButton>
              </Form>
            </li>
          );
        })}
      </ul>
      {other.length ? (
        <section aria-labelledby="other-heading" className="card space-y-2 text-sm">
          <h2 id="other-heading" className="text-lg font-semibold">
            Other stored settings (read-only)
          </h2>
          <ul>
            {other.map((o) => (
              <li key={o.key} className="font-mono break-all">
                {o.key} = {JSON.stringify(o.value)}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
