// Organization slugs: shared by the server (validation) and the browser (suggestion as you type).
import { z } from 'zod';

export const RESERVED_SLUGS = ['new', 'admin', 'api', 'settings', 'login', 'signup', 'o', 'orgs'] as const;

export function suggestSlug(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/g, '');
}

export const slugSchema = z
  .string({ required_error: 'Choose an address for your organization' })
  .trim()
  .toLowerCase()
  .min(2, 'Use at least 2 characters')
  .max(48, 'Use at most 48 characters')
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'Use lowercase letters, digits and single dashes (not at the ends)')
  .refine((s) => !(RESERVED_SLUGS as readonly string[]).includes(s), 'This address is reserved');

export const organizationNameSchema = z
  .string({ required_error: 'Enter a name' })
  .trim()
  .min(2, 'Use at least 2 characters')
  .max(80, 'Use at most 80 characters');
