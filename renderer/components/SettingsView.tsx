import { useEffect, useState } from 'react';
import type { AccountView, Settings } from '../../shared/api';
import { api } from '../api-client';
import { useApp } from '../context';
import { errText, systemZone } from '../format';
import { isKnownZone, unknownZoneText, ZoneInput } from './ZoneInput';

function IdentityRow({ account }: { account: AccountView }) {
  const { toast, reloadMeta, go } = useApp();
  const [displayName, setDisplayName] = useState(account.displayName ?? '');
  const [aliases, setAliases] = useState(account.aliases.join(', '));
  const save = async () => {
    const r = await api.saveAccount({
      id: account.id,
      name: account.name,
      email: account.email,
      displayName: displayName.trim() || undefined,
      aliases: aliases
        .split(/[,;\s]+/)
        .map((a) => a.trim())
        .filter(Boolean),
      imap: account.imap,
      smtp: account.smtp,
      providerSavesSent: account.providerSavesSent,
    });
    if (!r.ok) return toast(errText(r), 'error');
    toast('Identity saved.');
    reloadMeta();
  };
  const remove = async () => {
    if (!window.confirm(`Remove the account ${account.email}? Its calendar entries stay.`)) return;
    const r = await api.removeAccount({ id: account.id });
    if (!r.ok) return toast(errText(r), 'error');
    reloadMeta();
  };
  return (
    <fieldset className="identity">
      <legend>{account.email}</legend>
      <label>
        Display name
        <input type="text" value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
      </label>
      <label>
        Other addresses of mine (aliases, comma separated)
        <input type="text" value={aliases} onChange={(e) => setAliases(e.target.value)} />
      </label>
      <div className="row">
        <button type="button" onClick={() => void save()}>
          Save identity
        </button>
        <button type="button" onClick={() => go({ name: 'account', id: account.id })}>
          Server settings…
        </button>
        <button type="button" className="danger" onClick={() => void remove()}>
          Remove account
        </button>
      </div>
    </fieldset>
  );
}

export function SettingsView() {
  const { settings, accounts, toast, reloadMeta, go } = useApp();
  const [s, setS] = useState<Settings | null>(settings);
  useEffect(() => setS(settings), [settings]);
  if (!s) return <p className="muted">Loading…</p>;

  const save = async () => {
    if (s.timezone && !isKnownZone(s.timezone)) return toast(unknownZoneText(s.timezone), 'error');
    const r = await api.saveSettings(s);
    if (!r.ok) return toast(errText(r), 'error');
    toast('Settings saved.');
    reloadMeta();
  };

  return (
    <section aria-labelledby="set-h" className="settings">
      <h1 id="set-h">Settings</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <fieldset>
          <legend>Processing invitations</legend>
          <label className="inline">
            <input type="radio" name="policy" checked={s.policy === 'always'} onChange={() => setS({ ...s, policy: 'always' })} /> Always add invitations to my calendar
          </label>
          <label className="inline">
            <input type="radio" name="policy" checked={s.policy === 'known'} onChange={() => setS({ ...s, policy: 'known' })} /> Only from people I know (mail history)
          </label>
          <label className="inline">
            <input type="radio" name="policy" checked={s.policy === 'never'} onChange={() => setS({ ...s, policy: 'never' })} /> Never automatically (list them; I decide)
          </label>
          <label>
            Time frame: apply invitations received in the last (days)
            <input type="number" min={0} max={36500} value={s.timeFrameDays} onChange={(e) => setS({ ...s, timeFrameDays: Number(e.target.value) })} />
          </label>
          <label>
            Move processed invitation mails to folder (empty: leave them in place)
            <input type="text" value={s.processedFolder ?? ''} onChange={(e) => setS({ ...s, processedFolder: e.target.value.trim() || null })} />
          </label>
          <label className="inline">
            <input type="checkbox" checked={s.hideDeclined === true} onChange={(e) => setS({ ...s, hideDeclined: e.target.checked })} /> Hide events I declined from the calendar
          </label>
          <ZoneInput label={`Time zone for display (empty: the system's, ${systemZone()})`} value={s.timezone ?? ''} onChange={(v) => setS({ ...s, timezone: v.trim() || null })} />
        </fieldset>
        <button type="submit" className="primary">
          Save settings
        </button>
      </form>

      <h2>Identities</h2>
      {accounts.length === 0 && <p className="muted">No account yet: meetings you organize use a local identity and wait in the outbox.</p>}
      {accounts.map((a) => (
        <IdentityRow key={a.id} account={a} />
      ))}
      <button type="button" onClick={() => go({ name: 'account' })}>
        Add an account
      </button>
    </section>
  );
}
