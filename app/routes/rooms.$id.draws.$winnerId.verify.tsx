// /rooms/:id/draws/:winnerId/verify (SPEC §7 fixed contract): anyone who may see the room checks a draw.
// The server recomputes it and says so; with JavaScript the browser then recomputes it again with the same
// module (app/events/draw-algorithm.ts), so the visitor need not trust the server's word. Without
// JavaScript the server's verdict stands alone. Unknown ids, and private rooms one may not see, are 404.
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useEffect, useState } from 'react';
import { getAuth } from '~/auth/sessions.server';
import { getDb } from '~/db.server';
import { DRAW_ALGORITHM, drawWinners } from '~/events/draw-algorithm';
import { loadDrawForVerification } from '~/events/verify.server';
import { loaderFailure } from '~/lib/http.server';

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [
  {
    title: d
      ? `Verify the draw of ${d.prize.name} in ${d.room.name} — SaaS Platform`
      : 'Verify a draw — SaaS Platform',
  },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const db = await getDb();
  const auth = await getAuth(request, db);
  const view = await loadDrawForVerification(
    db,
    String(params.id ?? ''),
    String(params.winnerId ?? ''),
    auth?.user.id ?? null,
  ).catch(loaderFailure);
  const headers = new Headers(auth?.headers);
  // A private room's draw is for its viewers only: never in a shared cache.
  headers.set('Cache-Control', 'private, no-store');
  return data(view, { headers });
}

type BrowserCheck =
  | { state: 'no-js' }
  | { state: 'running' }
  | { state: 'ok'; picked: string }
  | { state: 'failed'; reason: string }
  | { state: 'unsupported' };

function useBrowserCheck(
  record: { seed: string; algorithm: string; candidate_ids: string[] } | null,
  position: number | null,
  participantId: string,
): BrowserCheck {
  // Server render and no JavaScript: 'no-js'. The effect runs only in a browser with JavaScript.
  const [check, setCheck] = useState<BrowserCheck>({ state: 'no-js' });
  const seed = record?.seed;
  const algorithm = record?.algorithm;
  const candidates = record?.candidate_ids.join('\n');
  useEffect(() => {
    let live = true;
    const ids = candidates ? candidates.split('\n') : [];
    // crypto.subtle exists only in secure contexts (HTTPS or localhost).
    if (typeof crypto === 'undefined' || !crypto.subtle) {
      setCheck({ state: 'unsupported' });
      return;
    }
    if (seed === undefined || position === null) {
      setCheck({ state: 'failed', reason: 'There is no draw record to recompute.' });
      return;
    }
    if (algorithm !== DRAW_ALGORITHM) {
      setCheck({ state: 'failed', reason: `This page does not know the algorithm “${algorithm}”.` });
      return;
    }
    setCheck({ state: 'running' });
    drawWinners(seed, ids, position + 1).then(
      (picks) => {
        if (!live) return;
        const picked = picks[position] ?? '';
        setCheck(
          picked === participantId
            ? { state: 'ok', picked }
            : {
                state: 'failed',
                reason: `Your browser's recomputation picks ${picked} as winner #${position + 1}, not ${participantId}.`,
              },
        );
      },
      (err: unknown) => {
        if (live) setCheck({ state: 'failed', reason: err instanceof Error ? err.message : String(err) });
      },
    );
    return () => {
      live = false;
    };
  }, [seed, algorithm, candidates, position, participantId]);
  return check;
}

function Verdict({
  ok,
  children,
  testId,
}: {
  ok: boolean | null;
  children: React.ReactNode;
  testId: string;
}) {
  const tone =
    ok === true
      ? 'bg-green-50 text-green-900 ring-green-200'
      : ok === false
        ? 'bg-red-50 text-red-900 ring-red-200'
        : 'bg-slate-50 text-slate-800 ring-slate-200';
  return (
    <p role="status" data-testid={testId} className={`rounded-md px-4 py-3 text-sm ring-1 ${tone}`}>
      {children}
    </p>
  );
}

export default function VerifyDraw() {
  const { room, prize, winner, record, position, batchSize, viewerParticipantId, serverCheck } =
    useLoaderData<typeof loader>();
  const browser = useBrowserCheck(record, position, winner.participantId);
  const place = position === null ? null : position + 1;
  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <header className="space-y-1">
        <p className="text-sm text-slate-700">
          <Link to={`/rooms/${room.id}`} className="link">
            {room.name}
          </Link>
        </p>
        <h1 className="text-2xl font-bold tracking-tight break-words">Verify the draw: {prize.name}</h1>
      </header>

      <section aria-labelledby="verdict-heading" className="card space-y-3">
        <h2 id="verdict-heading" className="text-lg font-semibold">
          Winner: {winner.displayName}
        </h2>
        {winner.revoked ? (
          <p className="rounded-md bg-amber-50 px-4 py-3 text-sm text-amber-900 ring-1 ring-amber-200">
            This win was revoked afterwards. The draw that picked it can still be checked.
          </p>
        ) : null}
        {batchSize > 1 && place !== null ? (
          <p className="text-sm text-slate-700">
            Winner #{place} of {batchSize} picked by this draw.
          </p>
        ) : null}
        <Verdict ok={serverCheck.ok} testId="server-check">
          {serverCheck.ok
            ? `Verified on the server: the draw picks ${winner.displayName}.`
            : `The server could not verify this draw: ${serverCheck.reason ?? 'unknown reason'}.`}
        </Verdict>
        <Verdict
          ok={browser.state === 'ok' ? true : browser.state === 'failed' ? false : null}
          testId="browser-check"
        >
          {browser.state === 'ok'
            ? `Verified in your browser: recomputing the draw here picks ${winner.displayName} too.`
            : browser.state === 'failed'
              ? `Your browser could not verify this draw: ${browser.reason}`
              : browser.state === 'running'
                ? 'Recomputing the draw in your browser…'
                : browser.state === 'unsupported'
                  ? 'Your browser cannot recompute the draw on this page (Web Crypto needs HTTPS). The server’s verdict stands on its own.'
                  : 'Recomputing the draw in your browser needs JavaScript. The server’s verdict above stands on its own.'}
        </Verdict>
      </section>

      {record ? (
        <section aria-labelledby="record-heading" className="card space-y-4">
          <h2 id="record-heading" className="text-lg font-semibold">
            What was stored
          </h2>
          <dl className="space-y-3 text-sm">
            <div>
              <dt className="font-medium text-slate-900">Seed</dt>
              <dd className="mt-1 font-mono text-xs break-all text-slate-800" data-testid="seed">
                {record.seed}
              </dd>
            </div>
            <div>
              <dt className="font-medium text-slate-900">Algorithm</dt>
              <dd className="mt-1 font-mono text-xs break-all text-slate-800">{record.algorithm}</dd>
            </div>
            <div>
              <dt className="font-medium text-slate-900">Winner’s participant id</dt>
              <dd className="mt-1 font-mono text-xs break-all text-slate-800">{winner.participantId}</dd>
            </div>
            <div>
              <dt className="font-medium text-slate-900">
                Candidates ({record.candidate_ids.length}, sorted by participant id)
              </dt>
              <dd className="mt-1">
                <ol className="max-h-96 list-decimal space-y-0.5 overflow-auto pl-10 font-mono text-xs text-slate-800">
                  {record.candidate_ids.map((id) => (
                    <li
                      key={id}
                      className={id === winner.participantId ? 'font-bold text-green-800' : undefined}
                    >
                      <span className="break-all">{id}</span>
                      {id === winner.participantId ? ' ← winner' : null}
                      {id === viewerParticipantId ? ' (you)' : null}
                    </li>
                  ))}
                </ol>
              </dd>
            </div>
          </dl>
        </section>
      ) : null}

      <details className="card">
        <summary className="cursor-pointer font-medium">
          How the draw works, and how to check it yourself
        </summary>
        <div className="mt-3 space-y-2 text-sm text-slate-800">
          <p>
            The candidates are the room’s active participants (role Participant) who had not already won this
            prize, sorted by participant id. A fresh random seed of 32 bytes is made for each draw and stored
            with every winner it picks, together with the candidate list and the algorithm’s name,{' '}
            <code className="font-mono text-xs">{DRAW_ALGORITHM}</code>:
          </p>
          <ol className="list-decimal space-y-1 pl-6">
            <li>
              Random numbers: hash the seed’s 32 bytes followed by a 4-byte big-endian counter (0, 1, 2, …)
              with SHA-256; read each 32-byte hash as eight 4-byte big-endian unsigned numbers, in order.
            </li>
            <li>
              A number below n without bias: take the next number x; if x ≥ ⌊2³² / n⌋ · n, discard it and take
              the next; otherwise use x mod n.
            </li>
            <li>
              Shuffle (Fisher–Yates): for i from the last index down to 1, pick j below i + 1 as above and
              swap items i and j.
            </li>
            <li>
              The first item of the shuffled list wins; a draw of k winners takes the first k, in order.
            </li>
          </ol>
          <p>
            Anyone can redo this with the seed and the candidate list above (a short Node or Python script is
            enough); this page does it on the server and, with JavaScript, again in your browser. A change to
            the algorithm gets a new name, so old draws keep checking with the rules they were made with.
          </p>
        </div>
      </details>
    </div>
  );
}
