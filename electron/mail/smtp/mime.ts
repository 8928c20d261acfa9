// The MIME adapter: a MailPlan (plain data from shared/itip/build.ts) → RFC 5322 bytes, with nodemailer's
// MailComposer. The shape (RFC 6047 §2.4): multipart/mixed { multipart/alternative { text/plain, text/html,
// text/calendar; method=X }, application/ics invite.ics } — MailComposer writes exactly this from `icalEvent`.
// Deterministic: the Message-ID and boundary seed come from the plan, so rebuilding a message gives the same bytes
// (the outbox relies on it to never send one message twice).
import MailComposer from 'nodemailer/lib/mail-composer';
import {
  planAdd,
  planCancel,
  planCounter,
  planDeclineCounter,
  planPublish,
  planRefresh,
  planReply,
  planRequest,
  type AddOptions,
  type CancelOptions,
  type CounterOptions,
  type DeclineCounterOptions,
  type MailPlan,
  type PublishOptions,
  type RefreshOptions,
  type ReplyOptions,
  type RequestOptions,
} from '../../../shared/itip/build';

/** A built iMIP mail: the plan's fields plus the whole message. */
export interface OutgoingMessage extends Omit<MailPlan, 'fromName' | 'date' | 'boundary'> {
  /** The whole RFC 5322 message, CRLF line endings. */
  raw: Uint8Array;
}

export async function composeMime(p: MailPlan): Promise<OutgoingMessage> {
  const composer = new MailComposer({
    from: p.fromName ? { name: p.fromName, address: p.from } : p.from,
    to: p.to,
    cc: p.cc.length ? p.cc : undefined,
    subject: p.subject,
    messageId: p.messageId,
    date: new Date(p.date),
    text: p.text,
    html: p.html,
    // RFC 6047 §2.4: the calendar part carries method=X matching METHOD; nodemailer writes charset=utf-8 and adds
    // the invite.ics attachment.
    icalEvent: { method: p.method, content: p.ics, filename: 'invite.ics' },
    baseBoundary: p.boundary,
    newline: 'win',
  });
  const buf = await composer.compile().build();
  return {
    method: p.method,
    uid: p.uid,
    from: p.from,
    to: p.to,
    cc: p.cc,
    subject: p.subject,
    text: p.text,
    html: p.html,
    ics: p.ics,
    messageId: p.messageId,
    // A plain copy, not a view into Node's Buffer pool: it is persisted and may cross IPC.
    raw: new Uint8Array(buf),
  };
}

// One builder per method: the shared planner, then MIME.
export const buildRequest = async (o: RequestOptions): Promise<OutgoingMessage> => composeMime(await planRequest(o));
export const buildCancel = async (o: CancelOptions): Promise<OutgoingMessage> => composeMime(await planCancel(o));
export const buildReply = async (o: ReplyOptions): Promise<OutgoingMessage> => composeMime(await planReply(o));
export const buildCounter = async (o: CounterOptions): Promise<OutgoingMessage> => composeMime(await planCounter(o));
export const buildDeclineCounter = async (o: DeclineCounterOptions): Promise<OutgoingMessage> => composeMime(await planDeclineCounter(o));
export const buildRefresh = async (o: RefreshOptions): Promise<OutgoingMessage> => composeMime(await planRefresh(o));
export const buildAdd = async (o: AddOptions): Promise<OutgoingMessage> => composeMime(await planAdd(o));
export const buildPublish = async (o: PublishOptions): Promise<OutgoingMessage> => composeMime(await planPublish(o));
