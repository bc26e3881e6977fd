// POST /admin/impersonation: "End impersonation", the banner's one button. It is the one write an
// impersonating session may make (besides signing out), so it reads the staff member behind the session
// from the impersonation itself; without one it is an ordinary staff-only URL (404 for everyone else).
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { endImpersonation, impersonationOf } from '~/admin/impersonation.server';
import { requireStaff } from '~/admin/staff.server';
import { userActor } from '~/audit/audit.server';
import { getAuth } from '~/auth/sessions.server';
import { done } from '~/lib/http.server';

export async function loader({ request }: LoaderFunctionArgs) {
  await requireStaff(request);
  return redirect('/admin/users');
}

export async function action({ request }: ActionFunctionArgs) {
  const auth = await getAuth(request);
  const impersonation = impersonationOf(auth);
  if (!auth || !impersonation) {
    await requireStaff(request);
    return redirect('/admin/users');
  }
  const actor = { ...userActor(impersonation.staff.id, request), userId: impersonation.staff.id };
  await endImpersonation(auth.db, actor, auth.session.id);
  return done(
    `/admin/users/${impersonation.target.id}`,
    `You are yourself again (${impersonation.staff.email}).`,
  );
}
