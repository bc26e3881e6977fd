// What /verify-email says, decided in one place so the words and the form cannot disagree: a page that
// says "ask for a new one below" always has the form below (it once had nothing there for a used link).
export interface VerifyEmailPage {
  state: 'pending' | 'invalid';
  signedIn: { email: string; verified: boolean } | null;
}

export interface VerifyEmailCopy {
  heading: string;
  message: string;
  /** Whether the "Send a new link" form is shown. */
  offerNewLink: boolean;
}

export function verifyEmailCopy({ state, signedIn }: VerifyEmailPage): VerifyEmailCopy {
  const verified = Boolean(signedIn?.verified);
  const offerNewLink = !verified;
  const below = 'Ask for a new one below.';
  if (state === 'invalid') {
    const why = 'The confirmation link is invalid, expired (links last 24 hours) or was already used.';
    return {
      heading: 'This link no longer works',
      message: verified
        ? `${why} Nothing to do: your email address ${signedIn?.email} is already confirmed.`
        : `${why} ${below}`,
      offerNewLink,
    };
  }
  return {
    heading: verified ? 'Your email address is confirmed' : 'Confirm your email address',
    message: verified
      ? `Your email address ${signedIn?.email} is already confirmed.`
      : `We sent a confirmation link${signedIn ? ` to ${signedIn.email}` : ''}. Open it within 24 hours. No email? ${below}`,
    offerNewLink,
  };
}
