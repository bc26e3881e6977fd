// Labelled fields of the platform admin's plain POST forms (store pages, plans): the server's field errors
// sit next to their field and are linked to it (aria-describedby), and a refused submission keeps what
// was typed. One frame serves input, textarea and select, so the three cannot drift apart.
import type { ReactNode } from 'react';
import { Alert } from '~/orgs/components';

/** What an admin action answers when it refuses: which form, the message, the field errors, the input. */
export interface AdminAnswer {
  form: string;
  error?: string;
  fieldErrors?: Record<string, string[]>;
  values?: Record<string, unknown>;
  confirm?: unknown;
}

export function answerFor(answer: AdminAnswer | undefined, form: string): AdminAnswer | undefined {
  return answer?.form === form ? answer : undefined;
}

interface FieldBase {
  name: string;
  label: string;
  answer?: AdminAnswer;
  hint?: ReactNode;
  idPrefix?: string;
}

/** The id, the retyped value and the aria attributes of one field, and the frame around it. */
function fieldState({ name, answer, hint, idPrefix = '' }: FieldBase) {
  const id = `${idPrefix}${name}`;
  const errors = answer?.fieldErrors?.[name];
  const typed = answer?.values?.[name];
  const describedBy = [errors ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ');
  return {
    id,
    errors,
    typed: typeof typed === 'string' ? typed : undefined,
    aria: { 'aria-invalid': errors ? true : undefined, 'aria-describedby': describedBy || undefined },
  };
}

function FieldFrame({
  id,
  label,
  hint,
  errors,
  children,
}: {
  id: string;
  label: string;
  hint?: ReactNode;
  errors?: string[];
  children: ReactNode;
}) {
  return (
    <div>
      <label htmlFor={id} className="label">
        {label}
      </label>
      {children}
      {hint ? (
        <p id={`${id}-hint`} className="mt-1 text-sm text-slate-600">
          {hint}
        </p>
      ) : null}
      {errors?.length ? (
        <p id={`${id}-error`} className="field-error">
          {errors.join(' ')}
        </p>
      ) : null}
    </div>
  );
}

export function AdminInput({
  defaultValue,
  type = 'text',
  required,
  inputMode,
  placeholder,
  maxLength,
  ...base
}: FieldBase & {
  defaultValue?: string | number | null;
  type?: 'text' | 'number' | 'url' | 'date' | 'datetime-local';
  required?: boolean;
  inputMode?: 'decimal' | 'numeric' | 'text';
  placeholder?: string;
  maxLength?: number;
}) {
  const f = fieldState(base);
  return (
    <FieldFrame id={f.id} label={base.label} hint={base.hint} errors={f.errors}>
      <input
        id={f.id}
        name={base.name}
        type={type}
        className="input mt-1"
        defaultValue={f.typed ?? defaultValue ?? undefined}
        {...f.aria}
        {...{ required, inputMode, placeholder, maxLength }}
      />
    </FieldFrame>
  );
}

export function AdminTextarea({
  defaultValue,
  rows = 3,
  ...base
}: FieldBase & { defaultValue?: string | null; rows?: number }) {
  const f = fieldState(base);
  return (
    <FieldFrame id={f.id} label={base.label} hint={base.hint} errors={f.errors}>
      <textarea
        id={f.id}
        name={base.name}
        rows={rows}
        className="input mt-1"
        defaultValue={f.typed ?? defaultValue ?? undefined}
        {...f.aria}
      />
    </FieldFrame>
  );
}

export function AdminSelect({
  options,
  defaultValue,
  ...base
}: Omit<FieldBase, 'hint'> & { options: { value: string; label: string }[]; defaultValue?: string | null }) {
  const f = fieldState(base);
  return (
    <FieldFrame id={f.id} label={base.label} errors={f.errors}>
      <select
        id={f.id}
        name={base.name}
        className="input mt-1"
        defaultValue={f.typed ?? defaultValue ?? ''}
        {...f.aria}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </FieldFrame>
  );
}

export function AdminCheckbox({
  name,
  label,
  answer,
  defaultChecked,
  idPrefix = '',
}: {
  name: string;
  label: string;
  answer?: AdminAnswer;
  defaultChecked?: boolean;
  idPrefix?: string;
}) {
  const id = `${idPrefix}${name}`;
  const value = answer?.values?.[name];
  return (
    <label htmlFor={id} className="flex items-center gap-2 text-sm">
      <input
        id={id}
        type="checkbox"
        name={name}
        defaultChecked={answer?.values ? value === 'on' : defaultChecked}
      />
      {label}
    </label>
  );
}

/** The form-level message of a refused submission (field errors are next to their fields). */
export function AnswerAlert({ answer }: { answer?: AdminAnswer }) {
  return answer?.error ? <Alert message={answer.error} /> : null;
}
