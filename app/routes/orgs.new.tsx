// Create an organization (SPEC §6): name + slug (suggested from the name, editable). Without
// JavaScript an empty slug is filled in from the name on the server; with it, as you type.
import { getFormProps, useForm } from '@conform-to/react';
import { getZodConstraint, parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { useState } from 'react';
import { userActor } from '~/audit/audit.server';
import { requireUser } from '~/auth/sessions.server';
import { Field, FormErrors, SubmitButton, VALIDATE_ON_SUBMIT } from '~/components/form';
import { done, formError, formInvalid } from '~/lib/http.server';
import { createOrganization, setActiveOrganization } from '~/orgs/organizations.server';
import { createOrganizationInput } from '~/orgs/schemas';
import { suggestSlug } from '~/orgs/slug';

export const meta: MetaFunction = () => [{ title: 'New organization — SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const auth = await requireUser(request);
  return data({ firstOne: auth.session.activeOrganizationId === null }, { headers: auth.headers });
}

export async function action({ request }: ActionFunctionArgs) {
  const auth = await requireUser(request);
  const formData = await request.formData();
  const slug = String(formData.get('slug') ?? '').trim();
  if (!slug) formData.set('slug', suggestSlug(String(formData.get('name') ?? '')));
  const submission = parseWithZod(formData, { schema: createOrganizationInput });
  if (submission.status !== 'success') return formInvalid('create', submission);
  try {
    const organization = await createOrganization(
      auth.db,
      { ...userActor(auth.user.id, request), userId: auth.user.id },
      submission.value,
    );
    await setActiveOrganization(
      auth.db,
      { sessionId: auth.session.id, userId: auth.user.id },
      organization.id,
    );
    return done(`/o/${organization.slug}`, `${organization.name} is ready. You are its owner.`);
  } catch (err) {
    return formError('create', submission, err);
  }
}

export default function NewOrganization() {
  useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const [form, fields] = useForm({
    id: 'create-organization',
    lastResult: answer?.result,
    constraint: getZodConstraint(createOrganizationInput),
    ...VALIDATE_ON_SUBMIT,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: createOrganizationInput }),
  });
  // The slug follows the name until the user edits it.
  const [slugEdited, setSlugEdited] = useState(false);
  const [slug, setSlug] = useState<string>((fields.slug.initialValue as string | undefined) ?? '');
  return (
    <div className="mx-auto max-w-md">
      <h1 className="text-2xl font-bold">Create an organization</h1>
      <p className="mt-2 text-sm text-slate-700">
        An organization is where you work with others: members, teams, projects and modules. It starts on the
        Free plan.
      </p>
      <Form method="post" {...getFormProps(form)} className="card mt-6 space-y-4">
        <FormErrors id={form.errorId} errors={form.errors} />
        <Field
          field={fields.name}
          label="Name"
          autoComplete="organization"
          onChange={(e) => {
            if (!slugEdited) setSlug(suggestSlug(e.currentTarget.value));
          }}
        />
        <Field
          field={fields.slug}
          label="Address"
          hint="Lowercase letters, digits and dashes: your organization lives at /o/<address>. Left empty, it is made from the name."
          value={slug}
          defaultValue={undefined}
          onChange={(e) => {
            setSlugEdited(true);
            setSlug(e.currentTarget.value);
          }}
        />
        <SubmitButton pendingLabel="Creating…">Create organization</SubmitButton>
      </Form>
    </div>
  );
}
