// Destructive actions ask first. Without JavaScript the first POST (no confirm=yes) answers with what would
// happen and a form that re-posts it with confirm=yes (<ConfirmationPage>); the domain is called only
// then. With JavaScript the button opens a native <dialog> whose form posts confirm=yes straight away.
import { Form, Link, useActionData, useFetcher } from '@remix-run/react';
import { type ReactNode, useId, useRef } from 'react';
import { ErrorMessage, useFetcherError } from '~/orgs/components';
import { IntentFields, SubmitButton } from './form';

export interface Confirmation {
  intent: string;
  fields: Record<string, string>;
  /** "Remove Bob?" */
  title: string;
  /** "This will …": what happens, in words, including what cannot be undone. */
  message: string;
  confirmLabel: string;
}

export type Wording = Pick<Confirmation, 'title' | 'message' | 'confirmLabel'>;

export const isConfirmed = (formData: FormData) => formData.get('confirm') === 'yes';

/** The answer of a first POST: nothing happened yet; the page shows the question. */
export function askToConfirm(confirmation: Confirmation) {
  return { form: 'confirm', confirm: confirmation, result: undefined, error: undefined, code: undefined };
}

function Hidden({ intent, fields }: { intent: string; fields: Record<string, string> }) {
  return (
    <>
      <IntentFields intent={intent} fields={fields} />
      <input type="hidden" name="confirm" value="yes" />
    </>
  );
}

/** Renders the page, or — after a first POST without JavaScript — the question instead of it. */
export function ConfirmationPage({ cancelHref, children }: { cancelHref: string; children: ReactNode }) {
  const answer = useActionData<{ confirm?: Confirmation }>();
  const c = answer?.confirm;
  if (!c) return <>{children}</>;
  return (
    <section
      aria-labelledby="confirm-heading"
      className="card mx-auto max-w-lg space-y-4"
      data-confirm={c.intent}
    >
      <p className="text-sm font-semibold text-red-800">Are you sure?</p>
      <h1 id="confirm-heading" className="text-xl font-bold">
        {c.title}
      </h1>
      <p className="text-slate-800">{c.message}</p>
      <Form method="post" className="flex flex-wrap items-center gap-3">
        <Hidden intent={c.intent} fields={c.fields} />
        <SubmitButton className="btn-danger" pendingLabel="Working…">
          {c.confirmLabel}
        </SubmitButton>
        <Link to={cancelHref} className="btn-secondary">
          Cancel
        </Link>
      </Form>
    </section>
  );
}

/** A row's destructive button: a plain POST before hydration, a confirmation <dialog> after it. */
export function ConfirmAction({
  intent,
  fields,
  label,
  accessibleLabel,
  pendingLabel,
  className = 'btn-danger',
  confirmation,
}: {
  intent: string;
  fields: Record<string, string>;
  label: string;
  accessibleLabel?: string;
  pendingLabel?: string;
  className?: string;
  confirmation: Wording;
}) {
  const fetcher = useFetcher<{ error?: string }>();
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const busy = fetcher.state !== 'idle';
  const error = useFetcherError(fetcher);
  return (
    <>
      <fetcher.Form method="post" className="inline-flex max-w-full min-w-0 flex-wrap items-center gap-2">
        <IntentFields intent={intent} fields={fields} />
        <button
          type="submit"
          className={className}
          disabled={busy}
          aria-busy={busy}
          aria-label={accessibleLabel}
          aria-haspopup="dialog"
          onClick={(event) => {
            if (typeof dialog.current?.showModal !== 'function') return;
            event.preventDefault();
            dialog.current.showModal();
          }}
        >
          {busy ? (pendingLabel ?? 'Working…') : label}
        </button>
        {error ? (
          <span role="alert" className="text-sm text-red-700">
            <ErrorMessage message={error} />
          </span>
        ) : null}
      </fetcher.Form>
      <dialog
        ref={dialog}
        aria-labelledby={titleId}
        className="m-auto w-[calc(100%-2rem)] max-w-md rounded-lg bg-white p-6 text-left text-slate-900 shadow-xl backdrop:bg-slate-900/50"
      >
        <p className="text-sm font-semibold text-red-800">Are you sure?</p>
        <h2 id={titleId} className="mt-1 text-lg font-bold">
          {confirmation.title}
        </h2>
        <p className="mt-2 text-sm text-slate-800">{confirmation.message}</p>
        <fetcher.Form
          method="post"
          className="mt-6 flex flex-wrap justify-end gap-3"
          onSubmit={() => dialog.current?.close()}
        >
          <Hidden intent={intent} fields={fields} />
          <button type="button" className="btn-secondary" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="submit" className="btn-danger">
            {confirmation.confirmLabel}
          </button>
        </fetcher.Form>
      </dialog>
    </>
  );
}
