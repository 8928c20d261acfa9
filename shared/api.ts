// The one API between the renderer and the main-process core. Written once, checked by the compiler on both sides:
// the Electron preload maps each method to ipcRenderer.invoke(CHANNELS[m], arg), the browser shell maps the same
// interface onto a loopback WebSocket. Only plain data crosses (no class instances, no ical.js objects); every
// method resolves to a Result envelope because IPC drops error details.

import type { z } from 'zod';
import type {
  accountInputSchema,
  oauthRefSchema,
  cancelRequestSchema,
  invitationPageRequestSchema,
  messagePartRequestSchema,
  openFileRequestSchema,
  partstatSchema,
  proposeRequestSchema,
  resolvePendingRequestSchema,
  respondRequestSchema,
  requestUpdateRequestSchema,
  securitySchema,
  serverSettingsSchema,
  settingsSchema,
} from './api-schemas';
import type { Result } from './errors';
import type { ConferenceLink } from './present/links';
import type { Occurrence } from './itip/agenda';
import type { VersionChange } from './itip/changes';
import type { MeetingDraft } from './itip/meeting';
import type { MyProposal } from './itip/types';

// ---------------------------------------------------------------------------------------------------------------
// Accounts and settings

// The request types are inferred from their schemas (shared/api-schemas.ts), which the IPC and WebSocket edges
// validate with: one definition per argument shape.
export type Security = z.infer<typeof securitySchema>;
export type ServerSettings = z.infer<typeof serverSettingsSchema>;
export type AccountInput = z.infer<typeof accountInputSchema>;

export interface AccountView {
  id: string;
  name: string;
  email: string;
  displayName: string | null;
  aliases: string[];
  imap: ServerSettings;
  smtp: ServerSettings;
  providerSavesSent: boolean;
  hasPassword: boolean;
  /** How it logs in (absent: password). OAuth2 accounts hold a refresh token, never returned. */
  authMethod?: 'password' | 'oauth2';
  /** OAuth2: why the user must sign in again (grant revoked or expired); null when signed in. */
  signInRequired?: string | null;
  /** OAuth2: which sign-in (for "Sign in again"); null for password accounts. */
  oauth?: OAuthRefView | null;
}

/** What account set-up found for an address (issue 12 §2); the user can still change every field. */
export interface DiscoveredSettings {
  imap: { host: string; port: number; security: Security; auth: 'password' | 'oauth2' };
  smtp: { host: string; port: number; security: Security; auth: 'password' | 'oauth2' };
  /** Provider id ('google', 'microsoft', 'fastmail'…, or the autoconfig file's id); null when unknown. */
  provider: string | null;
  /** The step that found it. */
  source: 'bundled' | 'autoconfig' | 'srv' | 'mx' | 'probe';
  imapUser: string;
  smtpUser: string;
  providerSavesSent: boolean;
  /** The OAuth2 sign-in to use when auth is 'oauth2'. */
  oauth: OAuthRefView | null;
  /** "Google", "Microsoft", or the issuer's host: for the "Sign in with …" button. */
  oauthName: string | null;
}

export type OAuthRefView = z.infer<typeof oauthRefSchema>;

export interface AccountDiscovery {
  found: DiscoveredSettings | null;
  /** A configuration that would send the password without TLS: shown with a warning, never chosen. */
  insecure: DiscoveredSettings | null;
  error: string | null;
}

export interface ConnectionCheck {
  imap: { ok: true } | { ok: false; code: string; message: string };
  smtp: { ok: true } | { ok: false; code: string; message: string };
}

export type Settings = z.infer<typeof settingsSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Invitations and calendar

export type InvitationBadge = 'needs-response' | 'accepted' | 'tentative' | 'declined' | 'updated' | 'cancelled' | 'outdated' | 'organizer' | 'needs-decision';

export interface InvitationSummary {
  uid: string;
  summary: string;
  organizer: string | null;
  start: string | null;
  end: string | null;
  allDay: boolean;
  badge: InvitationBadge;
  /** My role in this meeting. */
  role: 'organizer' | 'attendee' | 'personal';
  /** Newest message time in the thread (ISO). */
  lastActivity: string;
  messageCount: number;
  pendingCount: number;
  /** Which account it belongs to (null: local, e.g. an opened file or an offline meeting). */
  accountId: string | null;
  /** The organizer's display name when the invitation (or the account) gives one that is not just the address. */
  organizerName?: string | null;
}

export type InvitationPageRequest = z.infer<typeof invitationPageRequestSchema>;
/** Which threads a page of the invitation list holds. */
export type InvitationFilter = NonNullable<InvitationPageRequest['filter']>;

export interface InvitationPage {
  items: InvitationSummary[];
  offset: number;
  /** Threads matching the filter. */
  total: number;
  /** Threads waiting for my answer or decision (needs-response, updated, needs-decision), whatever the filter. */
  pending: number;
  /** Threads per filter, for the filter's labels. */
  counts: Record<InvitationFilter, number>;
}

/** The invitation's own mail, as the organizer wrote it (issue 11 §12). */
export interface MailView {
  key: string;
  from: string | null;
  to: string | null;
  subject: string | null;
  date: string | null;
  /** The text/plain body. */
  text: string | null;
  /** The text/html body as received; the renderer sanitizes it and blocks remote images until asked. */
  html: string | null;
  attachments: MailAttachmentView[];
}

export interface MailAttachmentView {
  /** IMAP part path ('2', '1.3'). */
  path: string;
  name: string;
  contentType: string;
  /** Decoded size in bytes. */
  size: number;
}

/** One attachment (IMAP part path) of a thread message (by the thread entry's key). */
export type MailPartRequest = z.infer<typeof messagePartRequestSchema>;

export interface AttendeeView {
  email: string;
  cn: string | null;
  partstat: string;
  role: string;
  comment: string | null;
  isMe: boolean;
  /** Occurrences answered differently from the series (RFC 5546 §3.2.3 REPLY with RECURRENCE-ID), by start. */
  exceptions?: OccurrenceAnswerView[];
}

/** One occurrence's own answer. */
export interface OccurrenceAnswerView {
  recurrenceId: string;
  /** The occurrence's start (instant, or date for all-day). */
  start: string;
  allDay: boolean;
  partstat: string;
  comment: string | null;
}

/** An occurrence the organizer cancelled, with what they wrote. */
export interface CancelledOccurrenceView {
  recurrenceId: string;
  start: string;
  allDay: boolean;
  /** The organizer's name (or address). */
  by: string | null;
  comment: string | null;
}

/** My answer to the series: what, when (my reply's DTSTAMP) and what I wrote. */
export interface MyAnswerView {
  partstat: string;
  at: string | null;
  comment: string | null;
}

export interface ThreadMessageView {
  key: string;
  method: string | null;
  from: string | null;
  subject: string | null;
  date: string | null;
  action: string;
  reason: string;
  /** ISO instant the sync found this mail gone from the server (expunged); null or absent while it is there. */
  deleted?: string | null;
  /** Sent by one of my addresses. */
  mine?: boolean;
  /** For answers (REPLY): the answer given, when known. */
  partstat?: string | null;
  /** The occurrence a message was about, when it was about one. */
  recurrenceId?: string | null;
}

export interface PendingView {
  id: string;
  kind: 'counter' | 'party-crasher' | 'refresh' | 'declinecounter' | 'forwarded' | 'new-invitation';
  from: string;
  recurrenceId: string | null;
  summary: string;
  receivedAt: string;
  /** For counters: the proposed times. */
  proposedStart?: string | null;
  proposedEnd?: string | null;
  comment?: string | null;
}

/** My standing for one occurrence, as the calendar views mark it (issue 11 §15). */
export type OccurrenceMark = 'needs-answer' | 'accepted' | 'tentative' | 'declined' | 'cancelled' | 'organizer';

/**
 * One occurrence in the agenda, as shared/itip/agenda.ts expands it; added by the view: `declined` (I declined it,
 * issue 11 §7), `mark` and `location` (issue 11 §15).
 */
export type OccurrenceView = Occurrence & { declined?: boolean; mark?: OccurrenceMark; location?: string | null };

export interface InvitationDetail {
  uid: string;
  summary: string;
  /** Plain text; the renderer shows it as text (never as HTML). */
  description: string | null;
  location: string | null;
  start: string | null;
  end: string | null;
  allDay: boolean;
  /** The event's own zone (IANA) when it has one. */
  timezone: string | null;
  rrule: string | null;
  sequence: number;
  status: string | null;
  cancelled: boolean;
  role: 'organizer' | 'attendee' | 'personal';
  organizer: { email: string; cn: string | null } | null;
  attendees: AttendeeView[];
  myAddress: string | null;
  myPartstat: string | null;
  badge: InvitationBadge;
  /** The newest message in the thread is older than what is stored (stale): show it, offer no buttons. */
  stale: boolean;
  thread: ThreadMessageView[];
  pending: PendingView[];
  /** Other events of mine overlapping this one. */
  conflicts: OccurrenceView[];
  /** Upcoming occurrences of a recurring meeting (for per-occurrence answers and cancels). */
  occurrences: OccurrenceView[];
  accountId: string | null;
  /** Held by the processing policy (not yet in my calendar); answering applies it. */
  held?: boolean;
  /** I am on the attendee list (one of my addresses). */
  addressedToMe?: boolean;
  /** Whether the organizer asked for an answer (my ATTENDEE's RSVP): the default of "send a response". */
  rsvp?: boolean;
  myAnswer?: MyAnswerView | null;
  /** My answers to single occurrences that differ from my answer to the series. */
  myOccurrenceAnswers?: OccurrenceAnswerView[];
  cancelledOccurrences?: CancelledOccurrenceView[];
  /** A forwarded invitation (I am not on the list): who forwarded it. */
  forwardedBy?: string | null;
  /** What the last visible update changed (before → after), for an attendee's copy. */
  changes?: { recurrenceId: string | null; items: VersionChange[] } | null;
  /** My proposal of a new time; waiting: the organizer has not answered it yet. */
  proposal?: (MyProposal & { waiting: boolean }) | null;
  /** The formatted description (Outlook's X-ALT-DESC;FMTTYPE=text/html) when the invitation carries one. */
  descriptionHtml?: string | null;
  /** The meeting's conference link (RFC 7986 CONFERENCE, X-GOOGLE-CONFERENCE, or a Teams/Zoom/Meet/Webex link). */
  conference?: ConferenceLink | null;
}

export type Partstat = z.infer<typeof partstatSchema>;
export type RespondRequest = z.infer<typeof respondRequestSchema>;
export type ProposeRequest = z.infer<typeof proposeRequestSchema>;
export type RequestUpdateRequest = z.infer<typeof requestUpdateRequestSchema>;

export interface QueuedOutcome {
  /** Outbox message ids queued by the action (empty for a personal event). */
  queued: string[];
}

export interface SaveMeetingOutcome extends QueuedOutcome {
  uid: string;
  sequence: number;
}

export type CancelRequest = z.infer<typeof cancelRequestSchema>;
export type ResolvePendingRequest = z.infer<typeof resolvePendingRequestSchema>;
export type OpenFileRequest = z.infer<typeof openFileRequestSchema>;

export interface OpenFileOutcome {
  /** Set when the file held an invitation or event that is now shown (and stored) under this UID. */
  uid: string | null;
  action: string;
  reason: string;
  problems: { code: string; severity: 'error' | 'warning'; message: string }[];
}

// ---------------------------------------------------------------------------------------------------------------
// Status and outbox

export interface AccountStatus {
  accountId: string;
  email: string;
  online: boolean;
  state: 'idle' | 'connecting' | 'syncing' | 'offline' | 'error';
  /** Initial sync progress. */
  progress: { done: number; total: number } | null;
  lastSync: string | null;
  lastError: { code: string; message: string } | null;
}

export interface OutboxItemView {
  id: string;
  accountId: string | null;
  method: string;
  uid: string;
  subject: string;
  to: string[];
  state: 'queued' | 'sending' | 'sent' | 'failed';
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  sentAt: string | null;
}

export interface AppStatus {
  accounts: AccountStatus[];
  outbox: { queued: number; failed: number };
  shell: 'electron' | 'browser';
}

export type AppEvent =
  | { type: 'invitations-changed' }
  | { type: 'calendar-changed' }
  | { type: 'status-changed'; status: AppStatus }
  | { type: 'outbox-changed' }
  | { type: 'new-invitation'; uid: string; summary: string; from: string | null }
  /** The shell opened a file (command line, file association, second instance): show this invitation. */
  | { type: 'open-invitation'; uid: string };

// ---------------------------------------------------------------------------------------------------------------
// The interface

export interface ConveneApi {
  getStatus(): Promise<Result<AppStatus>>;

  listAccounts(): Promise<Result<AccountView[]>>;
  saveAccount(input: AccountInput): Promise<Result<AccountView>>;
  removeAccount(req: { id: string }): Promise<Result<true>>;
  testConnection(input: AccountInput): Promise<Result<ConnectionCheck>>;
  syncNow(): Promise<Result<true>>;

  getSettings(): Promise<Result<Settings>>;
  saveSettings(settings: Settings): Promise<Result<Settings>>;

  listInvitations(): Promise<Result<InvitationSummary[]>>;
  getInvitation(req: { uid: string }): Promise<Result<InvitationDetail>>;
  respond(req: RespondRequest): Promise<Result<QueuedOutcome>>;
  proposeNewTime(req: ProposeRequest): Promise<Result<QueuedOutcome>>;
  removeFromCalendar(req: { uid: string }): Promise<Result<true>>;

  listAgenda(req: { from: string; to: string }): Promise<Result<OccurrenceView[]>>;
  saveMeeting(draft: MeetingDraft): Promise<Result<SaveMeetingOutcome>>;
  getMeetingDraft(req: { uid: string }): Promise<Result<MeetingDraft>>;
  cancelMeeting(req: CancelRequest): Promise<Result<QueuedOutcome>>;
  resolvePending(req: ResolvePendingRequest): Promise<Result<QueuedOutcome>>;
  suggestAddresses(req: { prefix: string }): Promise<Result<string[]>>;

  listOutbox(): Promise<Result<OutboxItemView[]>>;
  retryOutbox(req: { id: string }): Promise<Result<true>>;

  openFile(req: OpenFileRequest): Promise<Result<OpenFileOutcome>>;

  /** Set-up from the address alone (issue 12 §2). */
  discoverAccount(req: { email: string }): Promise<Result<AccountDiscovery>>;
  /** Starts an OAuth2 sign-in: the URL to open in the browser (`opened`: the app already opened it). */
  beginSignIn(req: { email: string; oauth: OAuthRefView }): Promise<Result<{ flowId: string; url: string; opened: boolean }>>;
  /** Waits for the sign-in to come back and saves the account (new, or `account.id` signed in again). */
  finishSignIn(req: { flowId: string; account: AccountInput }): Promise<Result<AccountView>>;
  /**
   * Asks the organizer to resend the latest version (RFC 5546 §3.2.6 REFRESH), for an invitation whose copy is
   * missing, out of date or damaged; the whole event, or one occurrence.
   */
  requestUpdate(req: RequestUpdateRequest): Promise<Result<QueuedOutcome>>;

  /** One page of the invitation list, newest first (the list renders a window of 10,000 threads: issue 9 §4). */
  listInvitationPage(req: InvitationPageRequest): Promise<Result<InvitationPage>>;
  /** A thread message's own mail (IMAP for synced mail, the kept file for opened ones). */
  getMessage(req: { uid: string; key: string }): Promise<Result<MailView>>;
  /** One attachment of that mail, base64. */
  getMessagePart(req: MailPartRequest): Promise<Result<{ name: string; contentType: string; contentBase64: string }>>;

  /** Subscribes to core events; returns the unsubscribe function. */
  onEvent(cb: (e: AppEvent) => void): () => void;
}

/** Request/response methods (everything but the event subscription). */
export type ApiMethod = Exclude<keyof ConveneApi, 'onEvent'>;

export const CHANNELS: { readonly [K in ApiMethod]: string } = {
  getStatus: 'status:get',
  listAccounts: 'accounts:list',
  saveAccount: 'accounts:save',
  removeAccount: 'accounts:remove',
  testConnection: 'accounts:test',
  syncNow: 'sync:now',
  getSettings: 'settings:get',
  saveSettings: 'settings:save',
  listInvitations: 'invitations:list',
  getInvitation: 'invitations:get',
  respond: 'invitations:respond',
  proposeNewTime: 'invitations:propose',
  removeFromCalendar: 'invitations:remove',
  listAgenda: 'calendar:agenda',
  saveMeeting: 'meetings:save',
  getMeetingDraft: 'meetings:draft',
  cancelMeeting: 'meetings:cancel',
  resolvePending: 'meetings:resolve',
  suggestAddresses: 'contacts:suggest',
  listOutbox: 'outbox:list',
  retryOutbox: 'outbox:retry',
  openFile: 'files:open',
  discoverAccount: 'accounts:discover',
  beginSignIn: 'accounts:signin-begin',
  finishSignIn: 'accounts:signin-finish',
  requestUpdate: 'invitations:refresh',
  listInvitationPage: 'invitations:page',
  getMessage: 'messages:get',
  getMessagePart: 'messages:part',
};

export const EVENT_CHANNEL = 'core:event';

/**
 * The organizer address of meetings made while no account exists (offline use). Such meetings sit in the outbox
 * until an account exists; personal events (no attendees) never leave the machine. `.invalid` (RFC 2606) can never
 * be a real mailbox.
 */
export const LOCAL_IDENTITY = 'me@convene.invalid';

/** An outbox item's lastError while it waits for the first account (offline use): a state, not a failure. */
export const OUTBOX_WAITING_FOR_ACCOUNT = 'waiting for an account';

export const API_METHODS = Object.keys(CHANNELS) as ApiMethod[];

/** The argument type of each method, for the argument validators at the IPC edge. */
export type ApiArg<M extends ApiMethod> = Parameters<ConveneApi[M]>[0];
export type ApiValue<M extends ApiMethod> = Awaited<ReturnType<ConveneApi[M]>> extends Result<infer T> ? T : never;
