// GET /downloads/:token (issue 13 §6): a signed, expiring download URL made by /account/downloads. Serving
// it counts the download; a forged, altered or expired link, a reached limit or ended access is a 4xx.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { getDb } from '~/db.server';
import { httpErrorOf } from '~/lib/http.server';
import { serveDownload } from '~/store/downloads.server';

/** A file name safe inside Content-Disposition (ASCII fallback + RFC 5987 UTF-8). */
function disposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const db = await getDb();
  try {
    const file = await serveDownload(db, params.token ?? '', { request });
    return new Response(file.body, {
      headers: {
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(file.size),
        'Content-Disposition': disposition(file.name),
        'Cache-Control': 'private, no-store',
        'X-Content-Type-Options': 'nosniff',
      },
    });
  } catch (err) {
    const failure = httpErrorOf(err);
    if (!failure) throw err;
    return new Response(failure.message, {
      status: failure.status,
      headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
    });
  }
}
