// /admin/products/new (issue 13 §9): platform ADMIN creates a product and its first price; a refused
// submission renders the form again with each error next to its field (400), without JavaScript too.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import type { AdminAnswer } from '~/admin/form-fields';
import { requireStaff } from '~/admin/staff.server';
import { done, httpErrorOf, loaderFailure } from '~/lib/http.server';
import { PageHeading } from '~/orgs/components';
import { createProduct, productFormInput, productFormOptions } from '~/store/catalog-admin.server';
import { ProductForm } from './product-form';

export const meta: MetaFunction = () => [{ title: 'New product · Admin · SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { db, actor } = await requireStaff(request, 'store:manage');
  return data({ options: await productFormOptions(db, actor).catch(loaderFailure) });
}

export async function action({ request }: ActionFunctionArgs) {
  const { db, actor } = await requireStaff(request, 'store:manage');
  const input = productFormInput(await request.formData());
  try {
    const product = await createProduct(db, actor, input);
    return done(`/admin/products/${product.id}`, `Created ${product.name}.`);
  } catch (err) {
    const failure = httpErrorOf(err);
    if (!failure) throw err;
    return data<AdminAnswer>(
      {
        form: 'save',
        error: failure.fieldErrors ? 'Check the fields marked below.' : failure.message,
        fieldErrors: failure.fieldErrors,
        values: input,
      },
      { status: failure.status },
    );
  }
}

export default function NewProduct() {
  const { options } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  return (
    <div className="space-y-6">
      <div>
        <Link to="/admin/products" className="link text-sm">
          ← Products
        </Link>
        <PageHeading title="New product" />
      </div>
      <ProductForm options={options} answer={answer} submitLabel="Create product" />
    </div>
  );
}
