import type { ActionFunctionArgs } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { signOut } from '~/auth/sessions.server';
import { getDb } from '~/db.server';

// Sign-out is POST only (a GET link could be triggered by any page).
export async function loader() {
  throw redirect('/');
}

export async function action({ request }: ActionFunctionArgs) {
  const cookie = await signOut(await getDb(), request);
  return redirect('/', { headers: { 'Set-Cookie': cookie } });
}
