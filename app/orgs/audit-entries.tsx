// The entries of an audit log, newest first: the sentence, when and from where, and the raw values under
// "Details". One list for the organization's page and the platform staff's cross-organization page.
import type { ReactNode } from 'react';
import { formatDate } from '~/orgs/components';

export interface AuditEntryView {
  id: string;
  action: string;
  sentence: string;
  createdAt: string | Date;
  ipAddress: string | null;
  userAgent: string | null;
  entityType: string;
  entityId: string | null;
  oldValues: unknown;
  newValues: unknown;
  metadata: unknown;
}

function summarize(value: unknown): string {
  if (value === null || value === undefined) return '';
  return JSON.stringify(value);
}

/** `where` adds a note after the time (the staff page names the organization). */
export function AuditEntries<E extends AuditEntryView>({
  entries,
  where,
}: {
  entries: E[];
  where?: (entry: E) => ReactNode;
}) {
  return entries.length === 0 ? (
    <p className="text-slate-700">No entries.</p>
  ) : (
    <section aria-labelledby="audit-entries" className="card p-0">
      <h2 id="audit-entries" className="sr-only">
        Audit log entries, newest first
      </h2>
      <ol className="divide-y divide-slate-200">
        {entries.map((e) => (
          <li key={e.id} data-audit-action={e.action} className="px-4 py-3 sm:px-6">
            <p className="break-words text-slate-900">{e.sentence}</p>
            <p className="mt-1 text-xs text-slate-600">
              <time dateTime={String(e.createdAt)}>{formatDate(e.createdAt)}</time>
              {where?.(e)}
              {e.ipAddress ? ` · from ${e.ipAddress}` : ''}
            </p>
            <details className="mt-2 text-xs">
              <summary className="cursor-pointer text-slate-700">Details</summary>
              <dl className="mt-2 grid gap-x-4 gap-y-1 sm:grid-cols-[8rem_1fr]">
                <dt className="font-semibold">Action</dt>
                <dd className="font-mono break-all">{e.action}</dd>
                <dt className="font-semibold">Entity</dt>
                <dd className="font-mono break-all">
                  {e.entityType}
                  {e.entityId ? ` ${e.entityId}` : ''}
                </dd>
                {e.oldValues ? (
                  <>
                    <dt className="font-semibold">Before</dt>
                    <dd className="font-mono break-all">{summarize(e.oldValues)}</dd>
                  </>
                ) : null}
                {e.newValues ? (
                  <>
                    <dt className="font-semibold">After</dt>
                    <dd className="font-mono break-all">{summarize(e.newValues)}</dd>
                  </>
                ) : null}
                {e.metadata ? (
                  <>
                    <dt className="font-semibold">Metadata</dt>
                    <dd className="font-mono break-all">{summarize(e.metadata)}</dd>
                  </>
                ) : null}
                {e.userAgent ? (
                  <>
                    <dt className="font-semibold">Browser</dt>
                    <dd className="break-all">{e.userAgent}</dd>
                  </>
                ) : null}
              </dl>
            </details>
          </li>
        ))}
      </ol>
    </section>
  );
}
