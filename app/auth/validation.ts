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

export const nameSchema = z
  .string({ required_error: 'Enter your name' })
  .trim()
  .min(1, 'Enter your name')
  .max(100, 'Use at most 100 characters');

export const signUpSchema = z.object({ name: nameSchema, email: emailSchema, password: newPasswordSchema });
export const signInSchema = z.object({
  email: emailSchema,
  password: passwordSchema,
  redirectTo: z.string().max(2000).optional(),
});
