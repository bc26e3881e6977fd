// Drives Remix loaders and actions the way a browser without JavaScript would: a Request with a session
// cookie (and a form body for POSTs), and the outcome as status, redirect location and data.
export interface RouteOutcome {
  status: number;
  location?: string | null;
  data?: unknown;
  text?: string;
}

export type RouteFn = (args: never) => unknown;

/** Runs a loader or action; a thrown Response (redirect, 404) counts like a returned one. */
export async function runRoute(
  fn: RouteFn | undefined,
  request: Request,
  params: Record<string, string>,
): Promise<RouteOutcome> {
  if (!fn) throw new Error('route function missing');
  try {
    const r = await (fn as (args: unknown) => Promise<unknown>)({ request, params, context: {} });
    if (r instanceof Response) return { status: r.status, location: r.headers.get('Location') };
    if (r && typeof r === 'object' && 'init' in r && 'data' in r) {
      const d = r as { data: unknown; init: ResponseInit | null };
      return { status: d.init?.status ?? 200, data: d.data };
    }
    return { status: 200, data: r };
  } catch (e) {
    if (e instanceof Response)
      return { status: e.status, location: e.headers.get('Location'), text: await e.text() };
    // A thrown data() (Remix renders it in the error boundary with its status).
    if (e && typeof e === 'object' && 'init' in e && 'data' in e) {
      const d = e as { data: unknown; init: ResponseInit | null };
      return { status: d.init?.status ?? 500, data: d.data };
    }
    throw e;
  }
}

export const getPage = (path: string, cookie?: string) =>
  new Request(`http://localhost${path}`, { headers: cookie ? { cookie } : {} });

export const postForm = (path: string, cookie: string | undefined, form: Record<string, string>) =>
  new Request(`http://localhost${path}`, {
    method: 'POST',
    headers: { ...(cookie ? { cookie } : {}), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
