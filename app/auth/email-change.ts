// The email change form's schema, shared by the page (browser) and the domain (email-change.server.ts).
import { z } from 'zod';
import { emailSchema } from './validation';

export const emailChangeSchema = z.object({ newEmail: emailSchema });
