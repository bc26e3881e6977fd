// The browser side of passkeys (@simplewebauthn/browser). Passkeys need JavaScript: pages render their
// "needs JavaScript" text on the server and these hooks swap in the buttons once hydrated, so without
// JavaScript every other way to sign in or confirm stays exactly as it is.
import {
  browserSupportsWebAuthn,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  startAuthentication,
  startRegistration,
} from '@simplewebauthn/browser';
import { useCallback, useEffect, useState } from 'react';

/** 'server' before hydration (and without JavaScript); then whether this browser can use passkeys. */
export function usePasskeySupport(): 'server' | 'supported' | 'unsupported' {
  const [state, setState] = useState<'server' | 'supported' | 'unsupported'>('server');
  useEffect(() => setState(browserSupportsWebAuthn() ? 'supported' : 'unsupported'), []);
  return state;
}

/** What a failed browser prompt means, in words. */
export function describePasskeyError(err: unknown): string {
  const name = (err as { name?: string } | null)?.name;
  if (name === 'NotAllowedError' || name === 'AbortError')
    return 'The passkey prompt was closed or timed out. Try again when you are ready.';
  if (name === 'InvalidStateError') return 'This device already has a passkey for your account.';
  if (name === 'SecurityError') return 'Passkeys are not available on this address of the site.';
  if (err instanceof Error && err.message) return err.message;
  return 'The passkey could not be used. Try again.';
}

async function postForm(path: string, fields: Record<string, string>): Promise<unknown> {
  const res = await fetch(path, {
    method: 'POST',
    body: new URLSearchParams(fields),
    headers: { Accept: 'application/json' },
    credentials: 'same-origin',
  });
  const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  if (!res.ok) throw new Error(body?.error?.message ?? `The server answered ${res.status}. Try again.`);
  return body;
}

/**
 * Runs one WebAuthn ceremony against a JSON endpoint: POST intent=options, ask the browser, POST
 * intent=verify with the answer (and `extra` fields). Returns the endpoint's final JSON.
 */
export function usePasskeyCeremony(kind: 'authenticate' | 'register', endpoint: string) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(
    async (extra: Record<string, string> = {}): Promise<Record<string, unknown> | null> => {
      setPending(true);
      setError(null);
      try {
        const { options } = (await postForm(endpoint, { ...extra, intent: 'options' })) as {
          options: PublicKeyCredentialRequestOptionsJSON & PublicKeyCredentialCreationOptionsJSON;
        };
        const answer =
          kind === 'register'
            ? await startRegistration({ optionsJSON: options as PublicKeyCredentialCreationOptionsJSON })
            : await startAuthentication({ optionsJSON: options as PublicKeyCredentialRequestOptionsJSON });
        return (await postForm(endpoint, {
          ...extra,
          intent: 'verify',
          response: JSON.stringify(answer),
        })) as Record<string, unknown>;
      } catch (err) {
        setError(describePasskeyError(err));
        return null;
      } finally {
        setPending(false);
      }
    },
    [kind, endpoint],
  );
  return { run, pending, error };
}
