// Form building blocks: labelled inputs with their errors next to them (aria-described), a form-level
// error, and a submit button that shows a pending state once JavaScript is there.
import { type FieldMetadata, getInputProps, getTextareaProps } from '@conform-to/react';
import { useActionData, useNavigation } from '@remix-run/react';
import { type InputHTMLAttributes, type ReactNode, useEffect, useRef } from 'react';

type InputType = 'text' | 'email' | 'password' | 'url' | 'number' | 'search' | 'tel' | 'date' | 'hidden';

export function Field<T>({
  field,
  label,
  type = 'text',
  hint,
  ...rest
}: {
  field: FieldMetadata<T>;
  label: string;
  type?: InputType;
  hint?: ReactNode;
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'type' | 'name' | 'id' | 'form'>) {
  const hintId = hint ? `${field.id}-hint` : undefined;
  const props = getInputProps(field, { type, ariaDescribedBy: hintId });
  return (
    <div>
      <label htmlFor={field.id} className="label">
        {label}
      </label>
      <input {...props} {...rest} key={props.key} className="input mt-1" />
      {hint ? (
        <p id={hintId} className="mt-1 text-sm text-slate-600">
          {hint}
        </p>
      ) : null}
      <FieldErrors id={field.errorId} errors={field.errors} />
    </div>
  );
}

/** A labelled textarea with its errors next to it, like Field. */
export function TextareaField<T>({
  field,
  label,
  rows = 3,
}: {
  field: FieldMetadata<T>;
  label: string;
  rows?: number;
}) {
  return (
    <div>
      <label htmlFor={field.id} className="label">
        {label}
      </label>
      <textarea {...getTextareaProps(field)} key={field.key} className="input mt-1" rows={rows} />
      <FieldErrors id={field.errorId} errors={field.errors} />
    </div>
  );
}

/** The hidden fields of a row action: which intent, and the ids it acts on. */
export function IntentFields({ intent, fields }: { intent: string; fields: Record<string, string> }) {
  return (
    <>
      <input type="hidden" name="intent" value={intent} />
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
    </>
  );
}

export function FieldErrors({ id, errors }: { id: string; errors?: string[] }) {
  if (!errors?.length) return null;
  return (
    <ul id={id} className="field-error">
      {errors.map((e) => (
        <li key={e}>{e}</li>
      ))}
    </ul>
  );
}

export function FormErrors({ id, errors }: { id: string; errors?: string[] }) {
  if (!errors?.length) return null;
  return (
    <div
      id={id}
      role="alert"
      className="rounded-md bg-red-50 px-4 py-3 text-sm text-red-900 ring-1 ring-red-200"
    >
      {errors.map((e) => (
        <p key={e}>{e}</p>
      ))}
    </div>
  );
}

/** Disabled with a pending label while this form's submission is in flight (JavaScript only). */
export function SubmitButton({
  children,
  pendingLabel,
  className = 'btn-primary',
  name,
  value,
}: {
  children: ReactNode;
  pendingLabel?: string;
  className?: string;
  name?: string;
  value?: string;
}) {
  const navigation = useNavigation();
  const pending = navigation.state === 'submitting' && (!name || navigation.formData?.get(name) === value);
  return (
    <button
      type="submit"
      className={className}
      disabled={pending}
      aria-busy={pending}
      name={name}
      value={value}
    >
      {pending ? (pendingLabel ?? 'Working…') : children}
    </button>
  );
}

/**
 * Conform validation timing for every form: validate when submitted, then re-validate as the user types.
 * Not on blur: blur-validation re-renders the form between mousedown and mouseup on the submit button
 * (clearing the server's form-level error shifts the layout), so the click lands beside the button.
 */
export const VALIDATE_ON_SUBMIT = { shouldValidate: 'onSubmit', shouldRevalidate: 'onInput' } as const;

/**
 * Empties a form (values and errors) once a submission on the page succeeded: the action redirected, so
 * there is no answer for this form. Without JavaScript the redirect loads a fresh page anyway; with it the
 * page stays mounted and the typed values and old errors would otherwise stay on screen.
 */
export function useResetOnSuccess(form: { reset: () => void }, formName: string) {
  const navigation = useNavigation();
  const answer = useActionData<{ form?: string }>();
  const submitted = useRef(false);
  useEffect(() => {
    if (navigation.state === 'submitting') submitted.current = true;
    else if (navigation.state === 'idle' && submitted.current) {
      submitted.current = false;
      if (answer?.form !== formName) form.reset();
    }
  }, [navigation.state, answer, formName, form]);
}
