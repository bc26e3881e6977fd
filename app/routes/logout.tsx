import type { ActionFunctionArgs } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { destroySession, getAuth } from '~/auth/sessions.server';
import { clientIp, recordAudit } from '~/audit/audit.server';
import { getDb } from '~/db.server';

// Sign-out is POST only (a GET link could be triggered by any page).
export async function loader() {
  throw redirect('/');
}

export async function action({ request }: ActionFunctionArgs) {
  const db = await getDb();
  const auth = await getAuth(request, db);
  const { cookie } = await destroySession(request, db);
  if (auth) {
    await recordAudit(db, { type: 'USER', userId: auth.user.id, ipAddress: clientIp(request), userAgent: request.headers.get('user-agent') }, {
      action: 'user.signed_out',
      entityType: 'session',
      entityId: auth.session.id,
    });
  }
  return redirect('/', { headers: { 'Set-Cookie': cookie } });
}
