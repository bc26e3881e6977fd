// /admin/categories (issue 13 §9): the store's category tree for platform ADMIN — add a category under
// any other, rename or move one (never under itself or its own subcategories), delete one (asked first;
// its subcategories move to the top level and its products lose only the link). Audited.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { type AdminAnswer, AdminInput, AdminSelect, AnswerAlert, answerFor } from '~/admin/form-fields';
import { requireStaff } from '~/admin/staff.server';
import { askToConfirm, ConfirmAction, ConfirmationPage, isConfirmed } from '~/components/confirm';
import { SubmitButton } from '~/components/form';
import { done, httpErrorOf, loaderFailure } from '~/lib/http.server';
import { PageHeading } from '~/orgs/components';
import {
  createCategory,
  deleteCategory,
  listCategoriesAdmin,
  updateCategory,
} from '~/store/catalog-admin.server';

export const meta: MetaFunction = () => [{ title: 'Categories · Admin · SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { db, actor } = await requireStaff(request, 'store:manage');
  return data({ categories: await listCategoriesAdmin(db, actor).catch(loaderFailure) });
}

const FIELDS = ['name', 'slug', 'description', 'parentId', 'sortOrder'] as const;

export async function action({ request }: ActionFunctionArgs) {
  const { db, actor } = await requireStaff(request, 'store:manage');
  const form = await request.formData();
  const intent = String(form.get('intent') ?? '');
  const categoryId = String(form.get('categoryId') ?? '');
  const values = Object.fromEntries(FIELDS.map((f) => [f, String(form.get(f) ?? '')]));
  const formName = intent === 'create' ? 'create' : `${intent}-${categoryId}`;
  try {
    if (intent === 'create') {
      const c = await createCategory(db, actor, values);
      return done('/admin/categories', `Added the category ${c.name}.`);
    }
    if (intent === 'update') {
      const c = await updateCategory(db, actor, categoryId, values);
      return done('/admin/categories', `Saved the category ${c?.name ?? ''}.`.replace(' .', '.'));
    }
    if (intent === 'delete') {
      if (!isConfirmed(form))
        return data(
          askToConfirm({
            intent: 'delete',
            fields: { categoryId },
            title: 'Delete this category?',
            message:
              'Its subcategories will move to the top level and its products will no longer be listed under it.',
            confirmLabel: 'Delete category',
          }),
        );
      await deleteCategory(db, actor, categoryId);
      return done('/admin/categories', 'Deleted the category.');
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

export default function AdminCategories() {
  const { categories } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>() as AdminAnswer | undefined;
  const parentOptions = (exceptId?: string) => [
    { value: '', label: 'Top level' },
    ...categories
      .filter((c) => c.id !== exceptId)
      .map((c) => ({ value: c.id, label: `${'— '.repeat(c.depth)}${c.name}` })),
  ];
  const createAnswer = answerFor(answer, 'create');
  return (
    <ConfirmationPage cancelHref="/admin/categories">
      <div className="space-y-6">
        <div>
          <p className="text-sm text-slate-600">Platform admin · Store</p>
          <PageHeading title="Categories" />
        </div>
        {categories.length === 0 ? <p className="card text-slate-700">No categories yet.</p> : null}
        <ul className="space-y-2" aria-label="Category tree">
          {categories.map((c) => {
            const rowAnswer = answerFor(answer, `update-${c.id}`) ?? answerFor(answer, `delete-${c.id}`);
            return (
              <li
                key={c.id}
                className="card space-y-2"
                style={{ marginLeft: `${Math.min(c.depth, 6) * 1.25}rem` }}
              >
                <div className="flex flex-wrap items-center justify-between gap-2">
                  <p>
                    <span className="font-semibold">{c.name}</span>{' '}
                    <span className="text-sm text-slate-600">
                      /{c.slug} · {c.productCount} product{c.productCount === 1 ? '' : 's'}
                    </span>
                  </p>
                  <ConfirmAction
                    intent="delete"
                    fields={{ categoryId: c.id }}
                    label="Delete"
                    accessibleLabel={`Delete ${c.name}`}
                    className="btn-danger text-sm"
                    confirmation={{
                      title: `Delete ${c.name}?`,
                      message:
                        'Its subcategories will move to the top level; its products stay, without this category.',
                      confirmLabel: 'Delete category',
                    }}
                  />
                </div>
                <AnswerAlert answer={rowAnswer?.fieldErrors ? undefined : rowAnswer} />
                <details open={Boolean(rowAnswer?.fieldErrors)}>
                  <summary className="cursor-pointer text-sm text-brand-800">Edit {c.name}</summary>
                  <Form method="post" className="mt-3 grid gap-3 sm:grid-cols-2">
                    <input type="hidden" name="intent" value="update" />
                    <input type="hidden" name="categoryId" value={c.id} />
                    <AdminInput
                      name="name"
                      label="Name"
                      idPrefix={`${c.id}-`}
                      answer={rowAnswer}
                      defaultValue={c.name}
                      required
                    />
                    <AdminInput
                      name="slug"
                      label="Slug"
                      idPrefix={`${c.id}-`}
                      answer={rowAnswer}
                      defaultValue={c.slug}
                      required
                    />
                    <AdminSelect
                      name="parentId"
                      label="Parent"
                      idPrefix={`${c.id}-`}
                      answer={rowAnswer}
                      defaultValue={c.parentId}
                      options={parentOptions(c.id)}
                    />
                    <AdminInput
                      name="sortOrder"
                      label="Sort order"
                      idPrefix={`${c.id}-`}
                      answer={rowAnswer}
                      defaultValue={c.sortOrder}
                      inputMode="numeric"
                    />
                    <div className="sm:col-span-2">
                      <AdminInput
                        name="description"
                        label="Description"
                        idPrefix={`${c.id}-`}
                        answer={rowAnswer}
                        defaultValue={c.description}
                      />
                    </div>
                    <div>
                      <SubmitButton
                        className="btn-secondary"
                        name="categoryId"
                        value={c.id}
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
        <section aria-labelledby="new-category" className="card space-y-3">
          <h2 id="new-category" className="text-lg font-semibold">
            Add a category
          </h2>
          <AnswerAlert answer={createAnswer?.fieldErrors ? undefined : createAnswer} />
          <Form method="post" className="grid gap-3 sm:grid-cols-2">
            <input type="hidden" name="intent" value="create" />
            <AdminInput name="name" label="Name" idPrefix="new-" answer={createAnswer} required />
            <AdminInput
              name="slug"
              label="Slug"
              idPrefix="new-"
              answer={createAnswer}
              required
              hint="e.g. ebooks"
            />
            <AdminSelect
              name="parentId"
              label="Parent"
              idPrefix="new-"
              answer={createAnswer}
              options={parentOptions()}
            />
            <AdminInput
              name="sortOrder"
              label="Sort order"
              idPrefix="new-"
              answer={createAnswer}
              defaultValue={0}
              inputMode="numeric"
            />
            <div className="sm:col-span-2">
              <AdminInput name="description" label="Description" idPrefix="new-" answer={createAnswer} />
            </div>
            <div>
              <SubmitButton pendingLabel="Adding…">Add category</SubmitButton>
            </div>
          </Form>
        </section>
      </div>
    </ConfirmationPage>
  );
}
