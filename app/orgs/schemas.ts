// Form schemas of the organization pages: shared by the browser (Conform validates as you type) and
// the server (routes and domain functions parse with the same schemas). No server imports here.
import { z } from 'zod';
import { emailSchema } from '~/auth/validation';
import { type MemberRole, ROLES } from './permissions';
import { organizationNameSchema, slugSchema } from './slug';

export const createOrganizationInput = z.object({ name: organizationNameSchema, slug: slugSchema });
export type CreateOrganizationInput = z.infer<typeof createOrganizationInput>;

export const roleSchema = z.enum(ROLES as unknown as [MemberRole, ...MemberRole[]], {
  errorMap: () => ({ message: 'Choose a role' }),
});

const optionalId = z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).optional());

export const inviteFormSchema = z.object({
  email: emailSchema,
  role: roleSchema.default('MEMBER'),
  teamId: optionalId,
});

export const teamNameSchema = z
  .string({ required_error: 'Enter a team name' })
  .trim()
  .min(1, 'Enter a team name')
  .max(80, 'Use at most 80 characters');
export const teamFormSchema = z.object({ name: teamNameSchema });

export const projectFormSchema = z.object({
  name: z
    .string({ required_error: 'Enter a name' })
    .trim()
    .min(1, 'Enter a name')
    .max(80, 'Use at most 80 characters'),
  slug: z
    .string({ required_error: 'Choose a slug' })
    .trim()
    .toLowerCase()
    .min(2, 'Use at least 2 characters')
    .max(48, 'Use at most 48 characters')
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'Use lowercase letters, digits and single dashes (not at the ends)'),
  description: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.string().trim().max(500, 'Use at most 500 characters').optional(),
  ),
});

const optionalText = (max: number) =>
  z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.string().trim().max(max, `Use at most ${max} characters`).optional(),
  );

export const organizationSettingsSchema = z.object({
  name: organizationNameSchema,
  slug: slugSchema,
  email: z.preprocess((v) => (v === '' ? undefined : v), emailSchema.optional()),
  phone: optionalText(40),
  address: optionalText(200),
  city: optionalText(100),
  country: optionalText(100),
});

export const deleteOrganizationFormSchema = z.object({
  confirm: z.string({ required_error: 'Type the organization’s address to confirm' }).trim(),
});
