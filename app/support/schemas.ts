// Support ticket forms and labels: shared by the browser (Conform validates as you type) and the server
// (routes and domain functions parse with the same schemas). No server imports here. The value lists
// equal the SQL enums ticket_status and ticket_priority (db/schema/enums.ts).
import { z } from 'zod';

export const TICKET_STATUSES = ['OPEN', 'IN_PROGRESS', 'WAITING_ON_CLIENT', 'RESOLVED', 'CLOSED'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export const TICKET_PRIORITIES = ['LOW', 'NORMAL', 'HIGH', 'URGENT'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

export const STATUS_LABELS: Record<TicketStatus, string> = {
  OPEN: 'Open',
  IN_PROGRESS: 'In progress',
  WAITING_ON_CLIENT: 'Waiting on you',
  RESOLVED: 'Resolved',
  CLOSED: 'Closed',
};

export const PRIORITY_LABELS: Record<TicketPriority, string> = {
  LOW: 'Low',
  NORMAL: 'Normal',
  HIGH: 'High',
  URGENT: 'Urgent',
};

export const SUBJECT_MAX = 200;
export const MESSAGE_MAX = 5000;

export const ticketStatusSchema = z.enum(TICKET_STATUSES, {
  errorMap: () => ({ message: 'Choose a status' }),
});
export const ticketPrioritySchema = z.enum(TICKET_PRIORITIES, {
  errorMap: () => ({ message: 'Choose a priority' }),
});

const text = (required: string, max: number) =>
  z.string({ required_error: required }).trim().min(1, required).max(max, `Use at most ${max} characters`);

export const openTicketFormSchema = z.object({
  subject: text('Enter a subject', SUBJECT_MAX),
  description: text('Describe the problem', MESSAGE_MAX),
  priority: ticketPrioritySchema.default('NORMAL'),
});

export const replyFormSchema = z.object({ message: text('Write a message', MESSAGE_MAX) });

const blank = (v: unknown) => (v === '' || v === null ? undefined : v);

/** The list page's query string: ?status=OPEN&cursor=… */
export const ticketListQuerySchema = z.object({
  status: z.preprocess(blank, ticketStatusSchema.optional()),
  cursor: z.preprocess(blank, z.string().max(200).optional()),
});
