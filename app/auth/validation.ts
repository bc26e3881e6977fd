// Input schemas shared by the forms (browser) and the domain (server). Emails are checked in code,
// not by a database regex (SPEC §4), and stored lower-case.
import { z } from 'zod';

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

export const emailSchema = z
  .string({ required_error: 'Enter your email address' })
  .trim()
  .toLowerCase()
  .max(254, 'Use at most 254 characters')
  .email('Enter a valid email address');

export const newPasswordSchema = z
  .string({ required_error: 'Choose a password' })
  .min(PASSWORD_MIN, `Use at least ${PASSWORD_MIN} characters`)
  .max(PASSWORD_MAX, `Use at most ${PASSWORD_MAX} characters`);

/** Sign-in takes any string up to the maximum: the message for a wrong one is always generic. */
export const passwordSchema = z
  .string({ required_error: 'Enter your password' })
  .min(1, 'Enter your password')
  .max(PASSWORD_MAX, `Use at most ${PASSWORD_MAX} characters`);

export const NAME_MIN = 2;
export const NAME_MAX = 100;

/** Checked on the server with a message: a browser's maxlength would cut a pasted name silently. */
export const nameSchema = z
  .string({ required_error: 'Enter your name' })
  .trim()
  .min(NAME_MIN, `Use at least ${NAME_MIN} characters`)
  .max(NAME_MAX, `Use at most ${NAME_MAX} characters`);

/** Where to go afterwards; made safe by safeRedirectPath (app/auth/redirect.ts) wherever it is used. */
const redirectToSchema = z.string().max(2000).optional();

export const signUpSchema = z.object({
  name: nameSchema,
  email: emailSchema,
  password: newPasswordSchema,
  redirectTo: redirectToSchema,
});
export const signInSchema = z.object({
  email: emailSchema,
  password: passwordSchema,
  redirectTo: redirectToSchema,
});

export const forgotPasswordSchema = z.object({ email: emailSchema });
export const resetPasswordSchema = z.object({
  token: z.string({ required_error: 'This link is incomplete' }).min(1).max(200),
  password: newPasswordSchema,
});
export const resendVerificationSchema = z.object({
  email: emailSchema.optional(),
  redirectTo: redirectToSchema,
});

/** A password change: the current one is required when the account has one (OAuth-only users set a first one). */
export const changePasswordFormSchema = z.object({
  currentPassword: passwordSchema.optional(),
  newPassword: newPasswordSchema,
});

export const LANGUAGES = [
  { code: 'en', label: 'English' },
  { code: 'de', label: 'Deutsch' },
  { code: 'es', label: 'Español' },
  { code: 'fr', label: 'Français' },
  { code: 'it', label: 'Italiano' },
  { code: 'nl', label: 'Nederlands' },
  { code: 'pt', label: 'Português' },
] as const;
const LANGUAGE_CODES = LANGUAGES.map((l) => l.code) as [string, ...string[]];

/** A time zone the runtime knows (IANA name). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const profileSchema = z.object({
  name: nameSchema,
  image: z
    .string()
    .trim()
    .max(2000, 'Use at most 2000 characters')
    .url('Enter a full URL, e.g. https://example.com/me.png')
    .refine((v) => /^https:\/\//i.test(v), 'Use an https:// URL')
    .optional(),
  timezone: z
    .string({ required_error: 'Choose a time zone' })
    .trim()
    .max(64, 'Use at most 64 characters')
    .refine(isTimeZone, 'Choose a valid time zone, e.g. Europe/Berlin'),
  language: z.enum(LANGUAGE_CODES, { errorMap: () => ({ message: 'Choose a language from the list' }) }),
});

export const deleteAccountSchema = z.object({
  confirm: z.string({ required_error: 'Type your email address to confirm' }).trim().toLowerCase().max(254),
});

export const apiTokenRequestSchema = z.object({
  email: emailSchema,
  password: passwordSchema,
  /** The current code of the user's authenticator app: required when TOTP is on (issue 15). */
  otp: z.string().trim().max(16, 'otp is a 6-digit code').optional(),
});
export const refreshRequestSchema = z.object({
  refreshToken: z.string({ required_error: 'refreshToken is required' }).min(1).max(200),
});
export const logoutRequestSchema = z.object({ refreshToken: z.string().min(1).max(200).optional() });
