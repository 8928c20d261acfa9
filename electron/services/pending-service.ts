// Pending decisions: the user resolves an item the engine held for them. A held invitation (the 'known' / 'never'
// policy, or a forwarded one) that the user lets in goes through the engine again, now with the 'always' policy,
// exactly as if it had just arrived, and through the one apply path (planApply); nothing is sent. Every other item
// (counter-proposals, party crashers, refreshes) is the meetings service's: it answers them with messages.
import type { QueuedOutcome, ResolvePendingRequest } from '../../shared/api';
import { AppError } from '../../shared/errors';
import { planApply, type AppliedMessage } from '../../shared/itip/apply';
import { readCalendarText } from '../../shared/itip/message';
import { processRead } from '../../shared/itip/process';
import type { PendingItem, StoredEvent } from '../../shared/itip/types';
import type { CalendarStore } from '../store/calendar-store';
import type { MeetingsService } from './meetings-service';
import { TIME_FRAME_REASON } from './sync-service';

export interface PendingDeps {
  calendar: CalendarStore;
  meetings: Pick<MeetingsService, 'resolvePending'>;
  me(): string[];
  knownContacts(): string[];
  /** Sets the processed keyword on the server for these processed keys (queued while offline). */
  markProcessed(keys: string[]): Promise<void>;
  now(): Date;
}

export class PendingService {
  constructor(private readonly deps: PendingDeps) {}

  async resolvePending(req: ResolvePendingRequest): Promise<QueuedOutcome> {
    const stored = this.deps.calendar.get(req.uid);
    const item = stored?.pending.find((p) => p.id === req.pendingId);
    if (stored && item && (item.kind === 'new-invitation' || item.kind === 'forwarded') && (req.action === 'accept' || req.action === 'add')) {
      await this.admitHeld(stored, item);
      return { queued: [] };
    }
    return this.deps.meetings.resolvePending(req);
  }

  private async admitHeld(stored: StoredEvent, item: PendingItem): Promise<void> {
    const { calendar } = this.deps;
    const read = readCalendarText(item.ics);
    const without = { ...stored, pending: stored.pending.filter((p) => p.id !== item.id) };
    const decision = processRead(read.itip, read.problems, without.master || without.overrides.length ? without : undefined, {
      me: this.deps.me(),
      policy: 'always',
      knownContacts: this.deps.knownContacts(),
      now: this.deps.now().toISOString(),
    });
    if (!decision.next) throw new AppError('ITIP_INVALID', `the held invitation cannot be applied: ${decision.reason}`);
    // The engine saw no stored copy when the event was only the held item: the other pending items stay.
    const next = { ...decision.next, pending: [...without.pending.filter((p) => !decision.next!.pending.some((q) => q.id === p.id)), ...decision.next.pending] };
    // The mails that were held are now applied: their records become final (so our own keyword, seen again through
    // CONDSTORE, does not read as "applied elsewhere") and the server gets the processed keyword.
    const held: AppliedMessage[] = [];
    for (const entry of calendar.thread(stored.uid)) {
      const record = calendar.processedRecord(entry.key);
      if (!record?.account || record.imapUid === undefined || record.action !== 'needs-decision' || entry.deleted) continue;
      if (entry.method !== (read.itip?.method ?? null) || record.reason === TIME_FRAME_REASON) continue;
      held.push({ key: entry.key, source: 'mailbox', method: entry.method, from: entry.from, subject: entry.subject, date: entry.date, record, entry });
    }
    const changes = planApply({
      decision: { ...decision, next, reason: held.length ? `${decision.reason} (added to the calendar by you)` : decision.reason },
      messages: held,
      at: this.deps.now().toISOString(),
    });
    await calendar.commit(changes);
    if (held.length) void this.deps.markProcessed(held.map((m) => m.key)).catch((err) => console.error('[core] setting the processed keyword failed:', err));
  }
}
