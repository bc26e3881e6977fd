// The product form shared by /admin/products/new and /admin/products/:productId (issue 13 §9). Plain POST
// form (no JavaScript needed); the submit button shows a pending state once JavaScript is there.
import { Form } from '@remix-run/react';
import {
  type AdminAnswer,
  AdminCheckbox,
  AdminInput,
  AdminSelect,
  AdminTextarea,
  AnswerAlert,
} from '~/admin/form-fields';
import { SubmitButton } from '~/components/form';

export interface ProductFormValues {
  name?: string;
  slug?: string;
  description?: string;
  shortDescription?: string | null;
  type?: string;
  status?: string;
  basePrice?: number;
  taxRate?: string | null;
  billingInterval?: string | null;
  planId?: string | null;
  images?: unknown;
  files?: unknown;
  downloadLimit?: number | null;
  accessDuration?: number | null;
  tags?: string[];
  featured?: boolean;
  trackInventory?: boolean;
  stockQuantity?: number;
  lowStockThreshold?: number | null;
}

const dollars = (cents?: number) => (cents === undefined ? '' : (cents / 100).toFixed(2));
const percent = (fraction?: string | null) =>
  fraction ? String(Number((Number(fraction) * 100).toFixed(2))) : '';
const lines = (v: unknown) =>
  Array.isArray(v)
    ? v
        .map((x) =>
          typeof x === 'string'
            ? x
            : x && typeof x === 'object' && 'key' in x
              ? `${(x as { name?: string }).name ?? ''} | ${(x as { key: string }).key}`
              : '',
        )
        .filter(Boolean)
        .join('\n')
    : '';
const imageLines = (v: unknown) =>
  Array.isArray(v) ? v.filter((x) => typeof x === 'string').join('\n') : '';

export function ProductForm({
  product = {},
  categoryIds = [],
  options,
  answer,
  submitLabel,
}: {
  product?: ProductFormValues;
  categoryIds?: string[];
  options: {
    categories: { id: string; name: string; depth: number }[];
    plans: { id: string; name: string }[];
  };
  answer?: AdminAnswer;
  submitLabel: string;
}) {
  const checkedCategories = answer?.values
    ? ((answer.values.categoryIds as string[] | undefined) ?? [])
    : categoryIds;
  return (
    <Form method="post" className="card space-y-4" aria-label="Product details">
      <input type="hidden" name="intent" value="save" />
      <AnswerAlert answer={answer} />
      <div className="grid gap-4 sm:grid-cols-2">
        <AdminInput
          name="name"
          label="Name"
          answer={answer}
          defaultValue={product.name}
          required
          maxLength={200}
        />
        <AdminInput
          name="slug"
          label="Slug (URL)"
          answer={answer}
          defaultValue={product.slug}
          required
          hint="Lower-case letters, digits and dashes: /store/<slug>."
        />
      </div>
      <AdminInput
        name="shortDescription"
        label="Short description"
        answer={answer}
        defaultValue={product.shortDescription}
        maxLength={300}
      />
      <AdminTextarea
        name="description"
        label="Description"
        answer={answer}
        defaultValue={product.description}
        rows={5}
      />
      <div className="grid gap-4 sm:grid-cols-3">
        <AdminSelect
          name="type"
          label="Type"
          answer={answer}
          defaultValue={product.type ?? 'DIGITAL_DOWNLOAD'}
          options={[
            { value: 'DIGITAL_DOWNLOAD', label: 'Digital download' },
            { value: 'ONE_TIME', label: 'One-time' },
            { value: 'SERVICE', label: 'Service' },
            { value: 'SUBSCRIPTION', label: 'Subscription (a plan)' },
          ]}
        />
        <AdminSelect
          name="status"
          label="Status"
          answer={answer}
          defaultValue={product.status ?? 'DRAFT'}
          options={[
            { value: 'DRAFT', label: 'Draft (hidden)' },
            { value: 'PUBLISHED', label: 'Published' },
            { value: 'ARCHIVED', label: 'Archived (hidden)' },
          ]}
        />
        <AdminInput
          name="basePrice"
          label="Base price (USD)"
          answer={answer}
          defaultValue={dollars(product.basePrice)}
          inputMode="decimal"
          required
          hint="The first price of a new product."
        />
      </div>
      <div className="grid gap-4 sm:grid-cols-3">
        <AdminInput
          name="taxRate"
          label="Tax rate (%)"
          answer={answer}
          defaultValue={percent(product.taxRate)}
          inputMode="decimal"
        />
        <AdminSelect
          name="planId"
          label="Plan sold (subscriptions)"
          answer={answer}
          defaultValue={product.planId ?? ''}
          options={[{ value: '', label: '—' }, ...options.plans.map((p) => ({ value: p.id, label: p.name }))]}
        />
        <AdminSelect
          name="billingInterval"
          label="Billing interval (subscriptions)"
          answer={answer}
          defaultValue={product.billingInterval ?? ''}
          options={[
            { value: '', label: '—' },
            { value: 'month', label: 'Monthly' },
            { value: 'year', label: 'Yearly' },
          ]}
        />
      </div>
      <AdminTextarea
        name="images"
        label="Images"
        answer={answer}
        defaultValue={imageLines(product.images)}
        hint="One image URL per line (https://…)."
      />
      <AdminTextarea
        name="files"
        label="Downloadable files"
        answer={answer}
        defaultValue={lines(product.files)}
        hint="One per line: a path inside the storage folder, optionally “Shown name | path”."
      />
      <div className="grid gap-4 sm:grid-cols-2">
        <AdminInput
          name="downloadLimit"
          label="Download limit"
          answer={answer}
          defaultValue={product.downloadLimit ?? -1}
          inputMode="numeric"
          hint="-1 for unlimited."
        />
        <AdminInput
          name="accessDuration"
          label="Access (days after purchase)"
          answer={answer}
          defaultValue={product.accessDuration ?? ''}
          inputMode="numeric"
          hint="Empty for lifetime access."
        />
      </div>
      <AdminInput
        name="tags"
        label="Tags"
        answer={answer}
        defaultValue={(product.tags ?? []).join(', ')}
        hint="Comma-separated."
      />
      <fieldset className="space-y-2">
        <legend className="label">Inventory</legend>
        <AdminCheckbox
          name="trackInventory"
          label="Track stock"
          answer={answer}
          defaultChecked={product.trackInventory}
        />
        <div className="grid gap-4 sm:grid-cols-2">
          <AdminInput
            name="stockQuantity"
            label="In stock"
            answer={answer}
            defaultValue={product.stockQuantity ?? 0}
            inputMode="numeric"
          />
          <AdminInput
            name="lowStockThreshold"
            label="Low-stock threshold"
            answer={answer}
            defaultValue={product.lowStockThreshold ?? ''}
            inputMode="numeric"
          />
        </div>
      </fieldset>
      <AdminCheckbox
        name="featured"
        label="Featured (listed first)"
        answer={answer}
        defaultChecked={product.featured}
      />
      {options.categories.length ? (
        <fieldset>
          <legend className="label">Categories</legend>
          <ul className="mt-1 space-y-1">
            {options.categories.map((c) => (
              <li key={c.id} style={{ paddingLeft: `${c.depth * 1.25}rem` }}>
                <label className="flex items-center gap-2 text-sm">
                  <input
                    type="checkbox"
                    name="categoryIds"
                    value={c.id}
                    defaultChecked={checkedCategories.includes(c.id)}
                  />
                  {c.name}
                </label>
              </li>
            ))}
          </ul>
          {answer?.fieldErrors?.categoryIds ? (
            <p className="field-error">{answer.fieldErrors.categoryIds.join(' ')}</p>
          ) : null}
        </fieldset>
      ) : null}
      <SubmitButton pendingLabel="Saving…">{submitLabel}</SubmitButton>
    </Form>
  );
}
