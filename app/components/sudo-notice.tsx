// Sudo mode before a sensitive form (app/auth/sudo.server.ts): instead of a form that would only send the
// person to /reauthenticate on submit, the page says why and links there; it comes back to this page.
import { Link } from '@remix-run/react';

export function SudoNotice({ confirmPath, action }: { confirmPath: string; action: string }) {
  return (
    <div className="space-y-3 rounded-md bg-slate-50 px-4 py-3 text-sm text-slate-800 ring-1 ring-slate-200">
      <p>
        To {action}, confirm it’s you first (your password, a code or a passkey). You will not be asked again
        for 10 minutes.
      </p>
      <Link to={confirmPath} className="btn-secondary inline-block">
        Confirm it’s you
      </Link>
    </div>
  );
}
