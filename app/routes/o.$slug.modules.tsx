// Modules from the catalog (seed 000): enable and disable; refused beyond the plan's modules limit
// with a message naming the limit and linking to the upgrade.

import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { isUnlimited } from '~/billing/plans';
import { badIntent, done, formError, loaderFailure } from '~/lib/http.server';
import { requireMember } from '~/orgs/access.server';
import { ActionError, organizationTitle, PageHeading, RowAction } from '~/orgs/components';
import { disableModule, enableModule, listModules } from '~/orgs/modules.server';
import { can } from '~/orgs/permissions';

export const meta: MetaFunction = ({ matches }) => organizationTitle(matches, 'Modules');

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db, actor, organization, role } = await requireMember(request, params.slug, 'organization:view');
  const result = await listModules(db, actor, organization.id).catch(loaderFailure);
  return data({ organization, ...result, canManage: can(role, 'modules:manage') });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { db, actor, organization } = await requireMember(request, params.slug);
  const formData = await request.formData();
  const intent = String(formData.get('intent') ?? '');
  const input = { organizationId: organization.id, moduleKey: String(formData.get('moduleKey') ?? '') };
  const here = `/o/${organization.slug}/modules`;
  try {
    if (intent === 'enable') {
      await enableModule(db, actor, input);
      return done(here, 'Module enabled.');
    }
    if (intent === 'disable') {
      await disableModule(db, actor, input);
      return done(here, 'Module disabled.');
    }
    return badIntent();
  } catch (err) {
    return formError(intent, null, err);
  }
}

export default function Modules() {
  const { organization, modules, plan, enabledCount, canManage } = useLoaderData<typeof loader>();
  const unlimited = isUnlimited(plan.limits.modules);
  return (
    <div className="space-y-6">
      <PageHeading title="Modules" />
      <p className="text-slate-700">
        {enabledCount} of {unlimited ? 'unlimited' : plan.limits.modules} modules enabled on the {plan.name}{' '}
        plan.{' '}
        {!unlimited && canManage ? (
          <Link to={`/o/${organization.slug}/billing`} className="link">
            Upgrade for more
          </Link>
        ) : null}
      </p>
      <ActionError />
      <ul className="grid gap-4 md:grid-cols-2">
        {modules.map((m) => (
          <li key={m.key} className="card flex flex-col gap-3" data-module={m.key}>
            <div className="flex items-center justify-between gap-2">
              <h2 className="text-lg font-semibold">{m.name}</h2>
              <span className={m.enabled ? 'text-sm font-semibold text-green-800' : 'text-sm text-slate-600'}>
                {m.enabled ? 'Enabled' : 'Off'}
              </span>
            </div>
            <p className="text-sm text-slate-700">{m.description}</p>
            {canManage ? (
              <RowAction
                intent={m.enabled ? 'disable' : 'enable'}
                fields={{ moduleKey: m.key }}
                label={m.enabled ? 'Disable' : 'Enable'}
                accessibleLabel={`${m.enabled ? 'Disable' : 'Enable'} ${m.name}`}
                className={m.enabled ? 'btn-secondary' : 'btn-primary'}
              />
            ) : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
