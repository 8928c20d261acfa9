// Accounts and settings: who I am (every account's address and aliases, or the local identity offline), saving and
// removing accounts (the sync loops and the SMTP transports follow), and offline work becoming the first account's.
//
// Offline use: with no account the app still works. Meetings organized then use the local identity LOCAL_IDENTITY
// (me@convene.invalid, shared/api.ts); with attendees they are queued in the outbox and wait there (the outbox never
// hands a message From the local identity to SMTP: 'waiting for an account'). When the first account is added,
// MeetingsService.adoptIdentity rebuilds those queued messages for the account (same outbox ids and order) and
// re-addresses the stored meetings.
import { LOCAL_IDENTITY, type AccountInput, type AccountView, type Settings } from '../../shared/api';
import { AppError } from '../../shared/errors';
import type { Outbox } from '../mail/smtp/outbox';
import type { CalendarStore } from '../store/calendar-store';
import type { SettingsStore } from '../store/settings-store';
import type { MeetingsService, ServiceIdentity } from './meetings-service';

export interface AccountsDeps {
  settings: SettingsStore;
  calendar: CalendarStore;
  outbox: Pick<Outbox, 'waitingForAccount' | 'kick'>;
  /** Restarts the sync loops after accounts or settings changed. */
  accountsChanged(): void;
  /** Drops the cached SMTP transport of an account. */
  invalidateTransport(accountId: string): void;
  /** The meetings service's re-addressing of offline work (MeetingsService.adoptIdentity). */
  adoptIdentity: MeetingsService['adoptIdentity'];
}

export class AccountsService {
  constructor(private readonly deps: AccountsDeps) {}

  /** My addresses: every account's address and aliases; the local identity when there is no account. */
  me(): string[] {
    const ids = this.deps.settings.allIdentities();
    return ids.length ? ids : [LOCAL_IDENTITY];
  }

  /** One identity per account (its address and aliases); the local identity when there is no account. */
  identities(): ServiceIdentity[] {
    const accounts = this.deps.settings.listAccounts();
    if (accounts.length === 0) return [{ accountId: null, email: LOCAL_IDENTITY, aliases: [] }];
    return accounts.map((a) => ({ accountId: a.id, email: a.email, aliases: a.aliases, ...(a.displayName ? { displayName: a.displayName } : {}) }));
  }

  listAccounts(): AccountView[] {
    return this.deps.settings.listAccounts();
  }

  async saveAccount(input: AccountInput): Promise<AccountView> {
    const { settings } = this.deps;
    const isFirst = !input.id && settings.listAccounts().length === 0;
    const view = settings.saveAccount(input);
    this.deps.invalidateTransport(view.id);
    this.deps.accountsChanged();
    // The first account: what was organized or answered offline (as me@convene.invalid) becomes its own.
    if (isFirst) await this.adoptLocalIdentityLogged(view);
    this.deps.outbox.kick();
    return view;
  }

  removeAccount(id: string): true {
    if (!this.deps.settings.removeAccount(id)) throw new AppError('NOT_FOUND', `no account ${id}`);
    this.deps.invalidateTransport(id);
    this.deps.accountsChanged();
    return true;
  }

  getSettings(): Settings {
    return this.deps.settings.getSettings();
  }

  saveSettings(s: Settings): Settings {
    const saved = this.deps.settings.saveSettings(s);
    this.deps.accountsChanged();
    return saved;
  }

  /**
   * Offline work becomes the account's: queued messages From the local identity are rebuilt for `account` (the
   * outbox never sends them as they are) and the stored meetings re-addressed. Runs when an account is added and at
   * startup (finishing a run a crash interrupted); a no-op when nothing refers to the local identity. Failures are
   * logged, never thrown: the account is saved either way and the next start retries.
   */
  async adoptLocalIdentityLogged(account: AccountView | undefined = this.deps.settings.listAccounts()[0]): Promise<void> {
    try {
      if (!account) return;
      const involvesLocal = (e: ReturnType<CalendarStore['all']>[number]) =>
        e.myAddress?.toLowerCase() === LOCAL_IDENTITY || e.master?.organizer?.email.toLowerCase() === LOCAL_IDENTITY;
      if (!this.deps.outbox.waitingForAccount().length && !this.deps.calendar.all().some(involvesLocal)) return;
      const r = await this.deps.adoptIdentity({ accountId: account.id, email: account.email, aliases: account.aliases, ...(account.displayName ? { displayName: account.displayName } : {}) });
      if (r.left.length) console.warn('[core] outbox items left waiting for an account:', r.left);
    } catch (err) {
      console.error('[core] re-addressing offline work failed:', err);
    }
  }
}
