// /account/downloads (issue 13 §6): the files of the signed-in user's completed digital purchases, with
// downloads left and when access ends. "Download" POSTs here and is answered with a 303 to a signed URL
// that works for a few minutes (/downloads/<token>), so it works without JavaScript and a copied link
// soon stops working.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { actorOf, requireUser } from '~/auth/sessions.server';
import { httpErrorOf, loaderFailure } from '~/lib/http.server';
import { Alert, formatDate, PageHeading } from '~/orgs/components';
import { createDownloadLink, downloadRequestSchema, listDownloads } from '~/store/downloads.server';

export const meta: MetaFunction = () => [{ title: 'My downloads · SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const auth = await requireUser(request);
  const downloads = await listDownloads(auth.db, actorOf(auth, request)).catch(loaderFailure);
  return data({ downloads }, { headers: auth.headers });
}

export async function action({ request }: ActionFunctionArgs) {
  const auth = await requireUser(request);
  const form = await request.formData();
  const parsed = downloadRequestSchema.safeParse({ itemId: form.get('itemId'), file: form.get('file') });
  if (!parsed.success)
    return data(
      { error: parsed.error.issues[0]?.message ?? 'Choose a file.', itemId: null },
      { status: 400 },
    );
  try {
    const url = await createDownloadLink(auth.db, actorOf(auth, request), parsed.data);
    return redirect(url, 303);
  } catch (err) {
    const failure = httpErrorOf(err);
    if (!failure) throw err;
    if (failure.status === 404) throw new Response(failure.message, { status: 404 });
    return data({ error: failure.message, itemId: parsed.data.itemId }, { status: failure.status });
  }
}

export default function Downloads() {
  const { downloads } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <PageHeading title="My downloads" />
      {answer?.error && !answer.itemId ? <Alert message={answer.error} /> : null}
      {downloads.length === 0 ? (
        <div className="card space-y-2">
          <p className="text-slate-700">You have no digital purchases yet.</p>
          <Link to="/store" className="link">
            Browse the store
          </Link>
        </div>
      ) : (
        <ul className="space-y-4">
          {downloads.map((d) => (
            <li key={d.itemId} className="card space-y-3" data-download={d.productSlug}>
              <div className="flex flex-wrap items-baseline justify-between gap-2">
                <h2 className="text-lg font-semibold">{d.productName}</h2>
                <span className="text-sm text-slate-600">
                  Order {d.orderNumber}
                  {d.purchasedAt ? ` · ${formatDate(d.purchasedAt)}` : ''}
                </span>
              </div>
              <p className="text-sm text-slate-700">
                {d.downloadsLeft === null
                  ? 'Unlimited downloads'
                  : `${d.downloadsLeft} download${d.downloadsLeft === 1 ? '' : 's'} left`}
                {' · '}
                {d.accessEndsAt ? `Access until ${formatDate(d.accessEndsAt)}` : 'Lifetime access'}
              </p>
              {answer?.error && answer.itemId === d.itemId ? <Alert message={answer.error} /> : null}
              {d.refusal ? (
                <p className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">{d.refusal}</p>
              ) : d.files.length === 0 ? (
                <p className="text-sm text-slate-600">No files are attached to this product yet.</p>
              ) : (
                <ul className="divide-y divide-slate-100">
                  {d.files.map((f) => (
                    <li key={f.index} className="flex flex-wrap items-center justify-between gap-2 py-2">
                      <span className="break-all text-sm">{f.name}</span>
                      <Form method="post" reloadDocument>
                        <input type="hidden" name="itemId" value={d.itemId} />
                        <input type="hidden" name="file" value={f.index} />
                        <button type="submit" className="btn-primary" aria-label={`Download ${f.name}`}>
                          Download
                        </button>
                      </Form>
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
