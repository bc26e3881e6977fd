// Badges of the support pages: a ticket's status and priority, in words (never colour alone).
import { PRIORITY_LABELS, STATUS_LABELS, type TicketPriority, type TicketStatus } from './schemas';

const STATUS_TONES: Record<TicketStatus, string> = {
  OPEN: 'bg-sky-100 text-sky-900',
  IN_PROGRESS: 'bg-brand-100 text-brand-800',
  WAITING_ON_CLIENT: 'bg-amber-100 text-amber-900',
  RESOLVED: 'bg-emerald-100 text-emerald-900',
  CLOSED: 'bg-slate-100 text-slate-800',
};

export function StatusBadge({ status }: { status: TicketStatus }) {
  return (
    <span
      className={`rounded px-2 py-0.5 text-xs font-semibold ${STATUS_TONES[status]}`}
      data-status={status}
    >
      {STATUS_LABELS[status]}
    </span>
  );
}

export function PriorityLabel({ priority }: { priority: TicketPriority }) {
  return (
    <span className={priority === 'URGENT' || priority === 'HIGH' ? 'font-semibold text-red-800' : ''}>
      {PRIORITY_LABELS[priority]} priority
    </span>
  );
}
