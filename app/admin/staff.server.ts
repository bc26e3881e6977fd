// Platform staff (SPEC §2): users.role ADMIN or SUPPORT. Every /admin URL answers 404 to anyone else, so the
// admin area's existence is not advertised (SPEC §7). SUPPORT reads; money moves only for ADMIN (the
// domain functions check that again: app/invoicing/staff.server.ts).
import { userActor } from '~/audit/audit.server';
import { getAuth } from '~/auth/sessions.server';

export type StaffRole = 'ADMIN' | 'SUPPORT';

export async function requireStaff(request: Request) {
  // Not even a sign-in redirect: a visitor learns nothing about /admin either (SPEC §7).
  const auth = await getAuth(request);
  const role = auth?.user.role;
  if (!auth || (role !== 'ADMIN' && role !== 'SUPPORT'))
    throw new Response('Not Found', { status: 404, statusText: 'Not Found' });
  return {
    db: auth.db,
    auth,
    role: role as StaffRole,
    actor: { ...userActor(auth.user.id, request), userId: auth.user.id },
  };
}
